"""``hfaudit report``: the release-practice report (Markdown, HTML, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import DbOption


def report_command(
    db: DbOption = Path("hfaudit.duckdb"),
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md, report.html and report.json.")] = Path("reports/latest"),
    author: Annotated[list[str] | None, typer.Option("--author", help="Only this owner (repeatable).")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="Only this model (repeatable).")] = None,
) -> None:
    """Write the release-practice report (Markdown, HTML, JSON) for the DB or a scope.

    Example: hfaudit report --db hfaudit.duckdb --author acme-ai --out reports/acme
    """
    from hfaudit.audit.report import write_report

    paths = write_report(db, out, authors=author or [], models=model or [])
    for path in paths:
        print(f"report: wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
