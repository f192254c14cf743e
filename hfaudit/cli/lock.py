"""``hfaudit lock MODEL…``: pin models to a commit, with the blob and sha256 of every file that matters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import EndpointOption, TokenOption, read_ids, resolve_endpoint, resolve_token
from hfaudit.errors import HfauditError


def lock_command(
    models: Annotated[list[str] | None, typer.Argument(help="Model ids (owner/name).", show_default=False)] = None,
    models_file: Annotated[Path | None, typer.Option("--models-file", help="File with one model id a line.")] = None,
    revision: Annotated[
        list[str] | None, typer.Option("--revision", help="Lock MODEL at REV (branch, tag or commit): MODEL=REV. Repeatable.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Lock file to write.")] = Path("hfaudit.lock"),
    db: Annotated[Path | None, typer.Option("--db", help="Build the lock from this store, with no network.")] = None,
    endpoint: EndpointOption = None,
    token: TokenOption = None,
) -> None:
    """Pin each model: its commit, and path, blob, size and sha256 of every weight, config, tokenizer,
    adapter and card file at it; with its gating, base models and version signals (docs/lock.md).

    Nothing is written unless every model could be locked (exit 2 otherwise).

    Example: hfaudit lock acme/tiny-llama-v2 acme/tiny-llama-v2-GGUF --out hfaudit.lock
    """
    from hfaudit.audit.lock import check_model_id, lock_from_hub, lock_from_store, parse_revisions, write_lock

    ids = list(models or [])
    if models_file is not None:
        ids += read_ids(models_file, None)
    if not ids:
        raise HfauditError("name at least one model (MODEL… or --models-file)", code=2)
    ids = [check_model_id(m) for m in ids]
    revisions = parse_revisions(revision or [])
    unknown = sorted(set(revisions) - set(ids))
    if unknown:
        raise HfauditError(f"--revision names a model that is not locked: {unknown[0]}", code=2)
    if db is not None:
        lock = lock_from_store(db, ids, revisions)
    else:
        lock = lock_from_hub(ids, resolve_endpoint(endpoint), resolve_token(token), revisions)
    try:
        write_lock(lock, out)
    except OSError as exc:
        raise HfauditError(f"cannot write {out}: {exc.strerror or exc}", code=2) from None
    files = sum(len(m["files"]) for m in lock["models"])
    typer.echo(f"wrote {out}: {len(lock['models'])} models, {files} files")


def register(app: typer.Typer) -> None:
    app.command("lock")(lock_command)
