"""Options and helpers that several commands share, defined once.

``--db``, ``--endpoint``, ``--token``, ``--format`` and ``--fail-on`` are declared here; each command
module imports what it uses. ``resolve_*`` turn an option into the value the library takes.
"""

from __future__ import annotations

import csv
import io
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

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
    typer.Option("--token", help="Access token (default: $HF_TOKEN). Never logged or stored.", show_default=False),
]

FormatOption = Annotated[str, typer.Option("--format", help="Output format: table, csv or json.")]

MemoryOption = Annotated[
    str,
    typer.Option(
        "--memory",
        help="DuckDB memory limit for the analysis (e.g. 2GB); beyond it sorts and joins spill to <db>.tmp.",
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
    value = endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    if not value.startswith(("http://", "https://")):
        raise HfauditError(f"endpoint must be an http(s) URL, got {value!r}", code=2)
    return value.rstrip("/")


def resolve_token(token: str | None) -> str | None:
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
    text = path.read_text(encoding="utf-8-sig")
    if column is None:
        first = text.splitlines()[0] if text else ""
        if "," in first and "/" not in first.split(",")[0]:
            raise HfauditError(f"{path} looks like a CSV file: name the id column with --column", code=2)
        return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or column not in reader.fieldnames:
        have = ", ".join(reader.fieldnames or [])
        raise HfauditError(f"column {column!r} not in {path} (columns: {have})", code=2)
    return [row[column].strip() for row in reader if row[column] and row[column].strip()]
