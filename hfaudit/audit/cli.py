"""Commands ``audit``, ``check`` and ``report``: option parsing only, the work is in the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli_crawl import DbOption, EndpointOption, TokenOption, resolve_endpoint, resolve_token
from hfaudit.errors import HfauditError

FailOnOption = Annotated[str, typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity exists: info, warn or error.")]


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
    app.command("check")(check_command)
    app.command("report")(report_command)


def _endpoint_of(db: Path) -> str:
    from hfaudit.store import Store

    with Store(db, read_only=True) as store:
        row = store.con.execute("select endpoint from snapshots order by snapshot_id desc limit 1").fetchone()
    return str(row[0]) if row and row[0] else "https://huggingface.co"


def audit_command(
    db: DbOption = Path("hfaudit.duckdb"),
    select: Annotated[list[str] | None, typer.Option("--select", help="Run only this audit (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or sarif.")] = "table",
    fail_on: FailOnOption = "error",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Run the audits in queries/ over --db.

    Example: hfaudit audit --db hfaudit.duckdb --format sarif --fail-on warn -o findings.sarif
    """
    from hfaudit.audit import SEVERITIES, load_audits, load_config, run_audits
    from hfaudit.audit.formats import FORMATS, render
    from hfaudit.store import Store

    if fmt not in FORMATS:
        raise HfauditError(f"--format must be table, json or sarif, not {fmt!r}", code=2)
    if fail_on not in SEVERITIES:
        raise HfauditError(f"--fail-on must be info, warn or error, not {fail_on!r}", code=2)
    audits = load_audits(select=select, overrides=load_config())
    with Store(db, read_only=True) as store:
        run = run_audits(store.con, audits)
    text = render(run, fmt, endpoint=_endpoint_of(db))
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if run.at_or_above(fail_on):
        raise typer.Exit(1)


def check_command(
    model: Annotated[str, typer.Argument(help="Model id (owner/name).")],
    db: DbOption = Path("hfaudit.duckdb"),
    rev_from: Annotated[str | None, typer.Option("--from", help="Older revision: tag, branch or commit.")] = None,
    rev_to: Annotated[str | None, typer.Option("--to", help="Newer revision: tag, branch or commit.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or sarif.")] = "text",
    fail_on: FailOnOption = "error",
    endpoint: EndpointOption = None,
    token: TokenOption = None,
) -> None:
    """Semver check of one model's latest release: exit 0 compliant, 1 violations, 2 could not check.

    Reads --db when it holds the model, else crawls the model from the Hub (--endpoint) first.

    Example: hfaudit check acme/tiny-llama-v2 --from v2.0 --to v2.1 --format json
    """
    from hfaudit.audit.formats import render, to_json
    from hfaudit.check import check_model, render_text

    if fmt not in ("text", "json", "sarif"):
        raise HfauditError(f"--format must be text, json or sarif, not {fmt!r}", code=2)
    try:
        result = check_model(
            model, db=db, endpoint=resolve_endpoint(endpoint), token=resolve_token(token),
            rev_from=rev_from, rev_to=rev_to, fail_on=fail_on,
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


def report_command(
    db: DbOption = Path("hfaudit.duckdb"),
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md, report.html and report.json.")] = Path("reports/latest"),
    author: Annotated[list[str] | None, typer.Option("--author", help="Only this owner (repeatable).")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="Only this model (repeatable).")] = None,
) -> None:
    """Write the release-practice report (Markdown, HTML, JSON) for the DB or a scope.

    Example: hfaudit report --db hfaudit.duckdb --author acme-ai --out reports/acme
    """
    from hfaudit.report import write_report

    paths = write_report(db, out, authors=author or [], models=model or [])
    for path in paths:
        print(f"report: wrote {path}")
