"""Pieces the command groups share."""

from __future__ import annotations

import typer


def paper_group(app: typer.Typer) -> typer.Typer:
    """The ``paper`` command group of ``app``: the study's measures, one subcommand per analyser."""
    for group in app.registered_groups:
        if group.name == "paper" and group.typer_instance is not None:
            return group.typer_instance
    paper_app = typer.Typer(help="The study's own measures, computed as the study did.", no_args_is_help=True)
    app.add_typer(paper_app, name="paper")
    return paper_app
