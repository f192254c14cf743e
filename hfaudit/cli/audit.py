"""``hfaudit audit``: run the SQL audits of ``queries/`` over the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import DEFAULT_ENDPOINT, DbOption, FailOnOption
from hfaudit.errors import HfauditError


def audit_command(
    db: DbOption = Path("hfaudit.duckdb"),
    select: Annotated[list[str] | None, typer.Option("--select", help="Run only this audit (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or sarif.")] = "table",
    fail_on: FailOnOption = "error",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="table: show at most N findings after the summary (0: all).")] = 100,
) -> None:
    """Run the audits in queries/ over --db.

    The table format prints a summary (audit, severity, count), then the findings, most severe first.

    Example: hfaudit audit --db hfaudit.duckdb --format sarif --fail-on warn -o findings.sarif
    """
    from hfaudit.audit import SEVERITIES, digest_audits, load_audits, load_config, run_audits
    from hfaudit.present.findings import FORMATS, digest_table, render
    from hfaudit.store import Store

    if fmt not in FORMATS:
        raise HfauditError(f"--format must be table, json or sarif, not {fmt!r}", code=2)
    if fail_on not in SEVERITIES:
        raise HfauditError(f"--fail-on must be info, warn or error, not {fail_on!r}", code=2)
    audits = load_audits(select=select, overrides=load_config())
    with Store(db, read_only=True) as store:
        row = store.con.execute("select count(*) from models").fetchone()
        if not row or not row[0]:
            raise HfauditError(f"{db} holds no models: nothing to audit (run 'hfaudit crawl' first)", code=2)
        endpoint = store.latest_endpoint() or DEFAULT_ENDPOINT
        if fmt == "table":
            # counted and ordered in the store: only the shown findings come into Python
            digest = digest_audits(store.con, audits, limit)
            text, failed = digest_table(digest), digest.at_or_above(fail_on)
        else:
            run = run_audits(store.con, audits)
            text, failed = render(run, fmt, endpoint=endpoint, limit=limit), bool(run.at_or_above(fail_on))
    if output is not None:
        if not output.parent.is_dir():
            raise HfauditError(f"-o {output}: folder {output.parent} does not exist", code=2)
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise HfauditError(f"cannot write {output}: {exc.strerror}", code=2) from exc
    else:
        sys.stdout.write(text)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
