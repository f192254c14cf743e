"""``hfaudit crawl``: a scope of the Hub into the store, as one snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfaudit.cli.options import (
    DbOption,
    EndpointOption,
    JobsOption,
    MemoryOption,
    TokenOption,
    resolve_endpoint,
    resolve_token,
)
from hfaudit.errors import HfauditError


def crawl_command(
    db: DbOption = Path("hfaudit.duckdb"),
    endpoint: EndpointOption = None,
    token: TokenOption = None,
    author: Annotated[list[str] | None, typer.Option("--author", help="Owner to crawl (repeatable).")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Substring of model ids.")] = None,
    filter_: Annotated[list[str] | None, typer.Option("--filter", help="Tag filter (repeatable, ANDed).")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="One model id (repeatable).")] = None,
    models_file: Annotated[Path | None, typer.Option("--models-file", help="File with one model id a line.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N models from the listing.")] = None,
    sort: Annotated[str | None, typer.Option("--sort", help="created_at, downloads, likes, last_modified, trending_score.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Concurrent workers.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds per request.")] = 30.0,
    changes: Annotated[
        str, typer.Option("--changes", help="all: diff the tree at every commit (exact; the default). matter: bisect on weights, cards, configs, tokenizers and adapters, skipping runs of commits that leave no trace on them (cheaper only for histories full of other commits; see docs/crawler.md).")
    ] = "all",
    memory: MemoryOption = "4GB",
    jobs: JobsOption = None,
    no_analyse: Annotated[bool, typer.Option("--no-analyse", help="Do not rebuild the analysis tables.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars; only the summary.")] = False,
) -> None:
    """Crawl a scope of the Hub into --db as one snapshot.

    Example: hfaudit crawl --author meta-llama --db llama.duckdb
    """
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.collect.progress import CrawlProgress

    ids = list(model or [])
    if models_file is not None:
        try:
            ids += [line.strip() for line in models_file.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
        except OSError as exc:
            raise HfauditError(f"cannot read --models-file {models_file}: {exc.strerror}", code=2) from exc
    for mid in ids:
        if mid.count("/") != 1 or mid.startswith("/") or mid.endswith("/"):
            raise HfauditError(f"not a model id (owner/name): {mid!r}", code=2)
    scope = Scope(
        authors=tuple(author or ()),
        search=search,
        filters=tuple(filter_ or ()),
        model_ids=tuple(dict.fromkeys(ids)),
        limit=limit,
        sort=sort,
    )
    with CrawlProgress(enabled=not quiet) as progress:
        result = crawl(
            str(db), resolve_endpoint(endpoint), scope, token=resolve_token(token), concurrency=concurrency,
            timeout=timeout, changes=changes, progress=progress.update,
        )
    print(result.summary())
    if not no_analyse:
        from hfaudit.audit.pipeline import analyse

        for line in analyse(str(db), memory=memory, jobs=jobs):
            if not quiet:
                print(line)


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_command)
