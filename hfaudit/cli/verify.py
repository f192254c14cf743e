"""``hfaudit verify [LOCK]``: compare a lock with the Hub now; exit 0 unchanged, 1 changed, 2 could not check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import EndpointOption, TokenOption, check_format, resolve_endpoint, resolve_token


def verify_command(
    lock: Annotated[Path, typer.Argument(help="Lock file (default hfaudit.lock).")] = Path("hfaudit.lock"),
    fmt: Annotated[str, typer.Option("--format", help="text, json or sarif.")] = "text",
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 1 for a change at or above: any, patch, minor or major.")
    ] = "any",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here instead of stdout.")] = None,
    endpoint: EndpointOption = None,
    token: TokenOption = None,
) -> None:
    """Compare LOCK with the Hub now: heads moved (each new commit with what it changed and the bump it
    requires), weights replaced, files added or deleted, history rewritten, renamed, gated, disabled,
    private or deleted models, and which version signal declared each change.

    Exit 0: nothing changed; 1: a change at or above --fail-on; 2: could not check.

    Example: hfaudit verify hfaudit.lock --format sarif --out verify.sarif
    """
    from hfaudit.audit.verify import STATUS_WEIGHT, verify
    from hfaudit.present.dependents import verify_json, verify_sarif, verify_text

    check_format(fmt, ("text", "json", "sarif"))
    result = verify(lock, resolve_endpoint(endpoint), resolve_token(token), fail_on)
    doc = result.as_json()
    text = verify_json(doc) if fmt == "json" else verify_sarif(doc, STATUS_WEIGHT) if fmt == "sarif" else verify_text(doc)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for m in result.models:
        if m.error:
            print(f"hfaudit: could not check {m.model_id}: {m.error}", file=sys.stderr)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
