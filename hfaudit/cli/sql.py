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
    limit: Annotated[int, typer.Option("--limit", min=0, help="Show at most N rows (0: all). The row count is always printed.")] = 100,
) -> None:
    """Run SQL on --db, read-only: every value in full, integers as integers, and the row count.

    The table format prints the count below the rows; csv and json print it on stderr, so their
    stdout stays machine-readable.

    Example: hfaudit sql "select count(*) from commits" --format csv
    """
    from hfaudit.present.table import render_rows
    from hfaudit.store import Store

    if fmt not in ("table", "csv", "json"):
        raise HfauditError(f"--format must be table, csv or json, not {fmt!r}", code=2)
    if not query.strip():
        raise HfauditError("the SQL query is empty", code=2)
    import duckdb

    with Store(db, read_only=True) as store:
        try:
            cursor = store.con.execute(query)
            if cursor is None or cursor.description is None:
                raise HfauditError("the SQL statement returns no rows (sql is read-only: give a query)", code=2)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise HfauditError(f"SQL failed: {str(exc).splitlines()[0]}", code=2) from exc
    shown = rows[:limit] if limit else rows
    sys.stdout.write(render_rows(columns, shown, fmt))
    count = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    if len(shown) < len(rows):
        count += f" (showing {len(shown)}; +{len(rows) - len(shown)} more, see --limit)"
    print(count, file=sys.stdout if fmt == "table" else sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("sql")(sql_command)
