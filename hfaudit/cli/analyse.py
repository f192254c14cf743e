"""``hfaudit analyse``: (re)build the analysis tables from what is crawled."""

from __future__ import annotations

from pathlib import Path

import typer

from hfaudit.cli.options import DbOption


def analyse_command(db: DbOption = Path("hfaudit.duckdb")) -> None:
    """(Re)build the analysis tables from what is crawled.

    Example: hfaudit analyse --db hfaudit.duckdb
    """
    from hfaudit.audit.pipeline import analyse

    for line in analyse(str(db)):
        print(line)


def register(app: typer.Typer) -> None:
    app.command("analyse")(analyse_command)
