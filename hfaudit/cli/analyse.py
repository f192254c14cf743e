"""``hfaudit analyse``: (re)build the analysis tables from what is crawled."""

from __future__ import annotations

from pathlib import Path

import typer

from hfaudit.cli.options import DbOption, JobsOption, MemoryOption


def analyse_command(
    db: DbOption = Path("hfaudit.duckdb"), memory: MemoryOption = None, jobs: JobsOption = None
) -> None:
    """(Re)build the analysis tables from what is crawled.

    Example: hfaudit analyse --db hfaudit.duckdb --memory 2GB --jobs 2
    """
    import sys

    from hfaudit.audit.pipeline import analyse

    for line in analyse(str(db), memory=memory, jobs=jobs):
        print(line)
    from hfaudit.store import Store

    with Store(db, read_only=True) as store:
        row = store.con.execute("select count(*) from models").fetchone()
        if not row or not row[0]:
            print(f"hfaudit: note: {db} holds no models: the analysis tables are empty", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("analyse")(analyse_command)
