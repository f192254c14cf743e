"""``hfaudit bom MODEL… --db DB``: a CycloneDX 1.6 ML-BOM of models in a store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import DbOption
from hfaudit.errors import HfauditError


def bom_command(
    models: Annotated[list[str], typer.Argument(help="Model ids (owner/name).")],
    db: DbOption = Path("hfaudit.duckdb"),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the BOM here instead of stdout.")] = None,
) -> None:
    """One machine-learning-model component per model: purl pkg:huggingface/ORG/NAME@SHA, the SHA-256
    of its weight files, references to repo and card, a modelCard from the card, base models as
    pedigree.ancestors (with their relation) and release commits as pedigree.commits.

    Reads an analysed store (hfaudit crawl; hfaudit analyse). Example:
    hfaudit bom acme/tiny-llama-v2 --db hfaudit.duckdb --out bom.cdx.json
    """
    from hfaudit.audit.bom import bom_facts
    from hfaudit.present.bom import render_bom

    text = render_bom(bom_facts(db, models))
    if out is not None:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise HfauditError(f"cannot write {out}: {exc.strerror or exc}", code=2) from None
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    app.command("bom")(bom_command)
