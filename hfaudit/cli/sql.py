"""``hfaudit sql``: read-only SQL over the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import DbOption, FormatOption
from hfaudit.errors import HfauditError


def sql_command(
    query: Annotated[str, typer.Argument(help="SQL to run read-only.")],
    db: DbOption = Path("hfaudit.duckdb"),
    fmt: FormatOption = "table",
) -> None:
    """Run SQL on --db, read-only.

    Example: hfaudit sql "select count(*) from commits" --format csv
    """
    from hfaudit.present.table import render_frame
    from hfaudit.store import Store

    if fmt not in ("table", "csv", "json"):
        raise HfauditError(f"--format must be table, csv or json, not {fmt!r}", code=2)
    import duckdb

    with Store(db, read_only=True) as store:
        try:
            frame = store.con.execute(query).df()
        except duckdb.Error as exc:
            raise HfauditError(f"SQL failed: {str(exc).splitlines()[0]}", code=1) from exc
    sys.stdout.write(render_frame(frame, fmt))


def register(app: typer.Typer) -> None:
    app.command("sql")(sql_command)
