"""``hfaudit check MODEL``: the semver check of one model's release."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import (
    DbOption,
    EndpointOption,
    FailOnOption,
    TokenFileOption,
    TokenOption,
    TokenStdinOption,
    check_model_id,
    resolve_endpoint,
    resolve_token,
)
from hfaudit.errors import HfauditError


def check_command(
    model: Annotated[str, typer.Argument(help="Model id (owner/name).")],
    db: DbOption = Path("hfaudit.duckdb"),
    rev_from: Annotated[str | None, typer.Option("--from", help="Older revision: tag, branch or commit.")] = None,
    rev_to: Annotated[str | None, typer.Option("--to", help="Newer revision: tag, branch or commit.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or sarif.")] = "text",
    fail_on: FailOnOption = "error",
    history: Annotated[bool, typer.Option("--history", help="Also list the findings outside the judged release (they do not change the verdict).")] = False,
    endpoint: EndpointOption = None,
    token: TokenOption = None,
    token_file: TokenFileOption = None,
    token_stdin: TokenStdinOption = False,
) -> None:
    """Semver check of one model's latest release: exit 0 compliant, 1 violations, 2 could not check.

    Judges the latest release (or exactly --from..--to), with one verdict; findings sorted by
    severity, then release. Reads --db when it holds the model, else crawls the model (and its series
    siblings under the same owner) from the Hub (--endpoint) first.

    Example: hfaudit check acme/tiny-llama-v2 --from v2.0 --to v2.1 --format json
    """
    from hfaudit.audit.check import check_model, render_text
    from hfaudit.present.findings import render, to_json

    if fmt not in ("text", "json", "sarif"):
        raise HfauditError(f"--format must be text, json or sarif, not {fmt!r}", code=2)
    check_model_id(model)
    try:
        result = check_model(
            model, db=db, endpoint=resolve_endpoint(endpoint), token=resolve_token(token, token_file, token_stdin),
            rev_from=rev_from, rev_to=rev_to, fail_on=fail_on, history=history,
        )
    except HfauditError as exc:
        raise HfauditError(str(exc), code=2) from exc
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(result.run, check=result.as_json()), indent=2, default=str) + "\n")
    elif fmt == "sarif":
        sys.stdout.write(render(result.run, "sarif"))
    else:
        sys.stdout.write(render_text(result))
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)
