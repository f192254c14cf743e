"""Options and helpers that several commands share, defined once.

``--db``, ``--endpoint``, ``--token``, ``--format`` and ``--fail-on`` are declared here; each command
module imports what it uses. ``resolve_*`` turn an option into the value the library takes.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from hfaudit.errors import HfauditError

DEFAULT_ENDPOINT = "https://huggingface.co"


DbOption = Annotated[Path, typer.Option("--db", help="DuckDB file.", envvar="HFAUDIT_DB")]

EndpointOption = Annotated[
    str | None,
    typer.Option("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)."),
]

TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="Access token (default: $HF_TOKEN). Visible to other users in ps: prefer --token-file, --token-stdin or $HF_TOKEN. Never logged or stored.",
        show_default=False,
    ),
]

TokenFileOption = Annotated[
    Path | None,
    typer.Option("--token-file", help="Read the access token from this file (first line).", show_default=False),
]

TokenStdinOption = Annotated[
    bool, typer.Option("--token-stdin", help="Read the access token from the first line of stdin.")
]

FormatOption = Annotated[str, typer.Option("--format", help="Output format: table, csv or json.")]

MemoryOption = Annotated[
    str | None,
    typer.Option(
        "--memory",
        help="DuckDB memory limit for the analysis (default: 1GB; e.g. 2GB); beyond it sorts and joins spill "
        "to <db>.tmp. More memory is faster on a large store (fewer, larger ranges of models).",
        show_default=False,
    ),
]

JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", min=1, help="Threads and worker processes for the analysis (default: every core)."),
]

FailOnOption = Annotated[str, typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity exists: info, warn or error.")]



class Format(StrEnum):
    """Every output format a command can write; each command accepts a subset (``check_format``)."""

    table = "table"
    csv = "csv"
    json = "json"
    sarif = "sarif"
    text = "text"
    md = "md"
    tree = "tree"
    graphml = "graphml"


class Severity(StrEnum):
    """Finding severities, lowest first (``--fail-on``)."""

    info = "info"
    warn = "warn"
    error = "error"


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """``fmt`` if it is one of ``allowed``; else a usage error (exit 2) naming the choices."""
    if fmt not in allowed:
        raise HfauditError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}", code=2)
    return fmt


def check_severity(value: str, option: str = "--fail-on") -> str:
    if value not in {s.value for s in Severity}:
        raise HfauditError(f"{option} must be info, warn or error, not {value!r}", code=2)
    return value


def resolve_endpoint(endpoint: str | None) -> str:
    """The endpoint URL: http(s), with no credentials in it (they would be stored in
    ``snapshots.endpoint`` and printed), no query and no fragment."""
    value = endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise HfauditError(f"endpoint is not a URL: {exc}", code=2) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = value if "@" not in value else "(a value with '@', not shown)"
        raise HfauditError(f"endpoint must be an http(s) URL, got {shown!r}", code=2)
    if parts.username is not None or parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        raise HfauditError(
            f"endpoint {parts.scheme}://{host} carries credentials (user:password@): they are refused, "
            "since they would be stored and printed; give a token with --token-file, --token-stdin or $HF_TOKEN",
            code=2,
        )
    if parts.query or parts.fragment:
        raise HfauditError(f"endpoint must not have a query or fragment: {value!r}", code=2)
    return value.rstrip("/")


def resolve_token(token: str | None, token_file: Path | None = None, token_stdin: bool = False) -> str | None:
    """The token from --token, --token-file or --token-stdin (at most one), else $HF_TOKEN."""
    given = [name for name, v in (("--token", token), ("--token-file", token_file), ("--token-stdin", token_stdin)) if v]
    if len(given) > 1:
        raise HfauditError(f"give the token one way, not {' and '.join(given)}", code=2)
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise HfauditError(f"cannot read --token-file {token_file}: {getattr(exc, 'strerror', None) or exc}", code=2) from exc
        token = lines[0].strip() if lines else ""
        if not token:
            raise HfauditError(f"--token-file {token_file} is empty", code=2)
    elif token_stdin:
        token = sys.stdin.readline().strip()
        if not token:
            raise HfauditError("--token-stdin: stdin gave no token", code=2)
    return token or os.environ.get("HF_TOKEN") or None


def paper_group(app: typer.Typer) -> typer.Typer:
    """The ``paper`` command group of ``app``: the study's measures, one subcommand per analyser."""
    for group in app.registered_groups:
        if group.name == "paper" and group.typer_instance is not None:
            return group.typer_instance
    paper_app = typer.Typer(help="The study's own measures, computed as the study did.", no_args_is_help=True)
    app.add_typer(paper_app, name="paper")
    return paper_app


InputOption = Annotated[Path, typer.Option("--input", help="Text file (one id a line) or CSV with --column.")]

ColumnOption = Annotated[
    str | None, typer.Option("--column", help="CSV column that holds the model ids (CSV input only).")
]



def read_ids(path: Path, column: str | None) -> list[str]:
    """Model ids from a one-id-a-line file, or from ``column`` of a CSV file."""
    if not path.is_file():
        raise HfauditError(f"input file not found: {path}", code=2)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HfauditError(f"{path} is not UTF-8 text (byte {exc.start}): give one model id a line, UTF-8", code=2) from exc
    except OSError as exc:
        raise HfauditError(f"cannot read {path}: {exc.strerror}", code=2) from exc
    if column is None:
        first = text.splitlines()[0] if text else ""
        if "," in first and "/" not in first.split(",")[0]:
            raise HfauditError(f"{path} looks like a CSV file: name the id column with --column", code=2)
        ids = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or column not in reader.fieldnames:
            have = ", ".join(reader.fieldnames or [])
            raise HfauditError(f"column {column!r} not in {path} (columns: {have})", code=2)
        ids = [row[column].strip() for row in reader if row[column] and row[column].strip()]
    if not ids:
        raise HfauditError(f"{path} holds no model ids", code=2)
    return ids
