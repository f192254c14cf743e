"""`hfaudit fakehub …`: serve, generate and import registries."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Serve, generate and import fake Hub registries.", no_args_is_help=True)

# ---- serve (owned by hfaudit/fakehub/server.py) -------------------------------------------------
# ---- generate (owned by hfaudit/fakehub/generate.py) --------------------------------------------
# ---- import-git / import-trees (owned by hfaudit/fakehub/importers.py) --------------------------

_ = Path  # used by the commands below
