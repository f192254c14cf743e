"""``hfaudit diff --db DB``: what changed between two snapshots of one store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import DbOption, check_format


def diff_command(
    db: DbOption = Path("hfaudit.duckdb"),
    from_snap: Annotated[int | None, typer.Option("--from", help="Older snapshot id (default: the one before --to).")] = None,
    to_snap: Annotated[int | None, typer.Option("--to", help="Newer snapshot id (default: the latest).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or md.")] = "table",
) -> None:
    """Models added, gone and renamed; heads moved; weights replaced; histories rewritten; cards,
    licenses and base models changed, between two snapshots (default: the last two).

    Example: hfaudit diff --db hfaudit.duckdb --format json
    """
    from hfaudit.audit.diff import snapshot_diff
    from hfaudit.present.dependents import diff_json, diff_markdown, diff_table
    from hfaudit.store import Store

    check_format(fmt, ("table", "json", "md"))
    with Store(db, read_only=True) as store:
        doc = snapshot_diff(store.con, from_snap, to_snap)
    sys.stdout.write(diff_json(doc) if fmt == "json" else diff_markdown(doc, "#") if fmt == "md" else diff_table(doc))


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)
