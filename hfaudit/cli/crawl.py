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
    TokenFileOption,
    TokenOption,
    TokenStdinOption,
    resolve_endpoint,
    resolve_token,
)
from hfaudit.errors import EXIT_NOTHING, HfauditError
from hfaudit.types import parse_model_id


def crawl_command(
    db: DbOption = Path("hfaudit.duckdb"),
    endpoint: EndpointOption = None,
    token: TokenOption = None,
    token_file: TokenFileOption = None,
    token_stdin: TokenStdinOption = False,
    author: Annotated[list[str] | None, typer.Option("--author", help="Owner to crawl (repeatable).")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Substring of model ids.")] = None,
    filter_: Annotated[list[str] | None, typer.Option("--filter", help="Tag filter (repeatable, ANDed).")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="One model id (repeatable).")] = None,
    models_file: Annotated[Path | None, typer.Option("--models-file", help="File with one model id a line.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N models from the listing.")] = None,
    sort: Annotated[str | None, typer.Option("--sort", help="created_at, downloads, likes, last_modified, trending_score.")] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, max=64, help="Concurrent workers (default 16 with git histories, 4 with --history api).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds per request.")] = 30.0,
    changes: Annotated[
        str, typer.Option("--changes", help="all: diff the tree at every commit (exact; the default). matter: bisect on weights, cards, configs, tokenizers and adapters, skipping runs of commits that leave no trace on them (cheaper only for histories full of other commits; see docs/crawler.md).")
    ] = "all",
    history: Annotated[
        str, typer.Option("--history", help="git: each model's history from a bare partial clone; api: through the HTTP API; auto (default): git, falling back to the API per model (reasons in crawl_errors).")
    ] = "auto",
    git_cache: Annotated[
        Path | None, typer.Option("--git-cache", help="Keep the bare repositories here: a moved head then costs one fetch, not a clone.")
    ] = None,
    git_quota: Annotated[
        str | None, typer.Option("--git-quota", help="Pace git requests to CALLS/SECONDS (the Hub documents no git bucket).")
    ] = None,
    git_filter: Annotated[
        str, typer.Option("--git-filter", help="Partial-clone filter: none (default, measured cheapest), blob:none or blob:limit=N.")
    ] = "none",
    git_client: Annotated[
        str, typer.Option("--git-client", help="auto (default): in-process (dulwich) unless --git-filter or --git-cache needs the git CLI; cli; dulwich.")
    ] = "auto",
    memory: MemoryOption = None,
    jobs: JobsOption = None,
    no_analyse: Annotated[bool, typer.Option("--no-analyse", help="Do not rebuild the analysis tables.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars; only the summary.")] = False,
) -> None:
    """Crawl a scope of the Hub into --db as one snapshot.

    Exit 0 when every model in scope was stored, 3 when some failed (snapshot partial; the summary
    names them), 4 when none could be stored (snapshot failed), 2 on bad input.

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
        except UnicodeDecodeError as exc:
            raise HfauditError(f"--models-file {models_file} is not UTF-8 text (byte {exc.start})", code=2) from exc
        if not ids:
            raise HfauditError(f"--models-file {models_file} holds no model ids (an empty scope would crawl every model)", code=2)
    model_ids = [parse_model_id(mid) for mid in ids]
    scope = Scope(
        authors=tuple(author or ()),
        search=search,
        filters=tuple(filter_ or ()),
        model_ids=tuple(dict.fromkeys(model_ids)),
        limit=limit,
        sort=sort,
    )
    url = resolve_endpoint(endpoint)
    secret = resolve_token(token, token_file, token_stdin)
    with CrawlProgress(enabled=not quiet) as progress:
        result = crawl(
            str(db), url, scope, token=secret, concurrency=concurrency,
            timeout=timeout, changes=changes, progress=progress.update, history=history,
            git_cache=str(git_cache) if git_cache else None, git_quota=git_quota, git_filter=git_filter,
            git_client=git_client,
        )
    print(result.summary())
    if result.status == "failed":
        why = result.failures() or f"the scope lists no models at {url}"
        raise HfauditError(f"nothing crawled (snapshot {result.snapshot_id} failed): {why}", code=EXIT_NOTHING)
    if not no_analyse:
        from hfaudit.audit.pipeline import analyse

        for line in analyse(str(db), memory=memory, jobs=jobs):
            if not quiet:
                print(line)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_command)
