"""``hfaudit lineage MODEL``: ancestors and descendants as a tree, JSON or GraphML."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hfaudit.cli.options import DbOption
from hfaudit.errors import HfauditError

FORMATS = ("tree", "json", "graphml")


def lineage_command(
    model: Annotated[str | None, typer.Argument(help="Model id (omit with --all).")] = None,
    db: DbOption = Path("hfaudit.duckdb"),
    fmt: Annotated[str, typer.Option("--format", help="tree, json or graphml.")] = "tree",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    whole: Annotated[bool, typer.Option("--all", help="Export the whole graph (json or graphml).")] = False,
) -> None:
    """Print a model's ancestors and descendants, or export the lineage graph.

    Example: hfaudit lineage meta-llama/Llama-2-7b-hf --db hub.duckdb --format graphml --out llama.graphml
    """
    from hfaudit.analyse.lineage.export import dumps_json, load_view, render_tree, to_graphml
    from hfaudit.store import Store

    if fmt not in FORMATS:
        raise HfauditError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", code=2)
    if model is None and not whole:
        raise HfauditError("give a MODEL, or --all for the whole graph", code=2)
    with Store(db, read_only=True) as store:
        view = load_view(store.con, None if whole else model)
    if fmt == "json":
        text = dumps_json(view)
    elif fmt == "graphml":
        text = to_graphml(view)
    else:
        buffer = io.StringIO()
        Console(file=buffer, width=160, no_color=True).print(render_tree(view))
        text = buffer.getvalue()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out} ({len(view.nodes)} models, {len(view.edges)} edges)")


def register(app: typer.Typer) -> None:
    app.command("lineage")(lineage_command)
