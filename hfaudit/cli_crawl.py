"""Commands over the store: ``crawl``, ``analyse``, ``sql`` and ``demo``.

Options shared by several commands (``--db``, ``--endpoint``, ``--token``, ``--format``) are defined
once here and reused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.errors import HfauditError

DEFAULT_ENDPOINT = "https://huggingface.co"

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB file.", envvar="HFAUDIT_DB")]
EndpointOption = Annotated[
    str | None,
    typer.Option("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", help="Access token (default: $HF_TOKEN). Never logged or stored.", show_default=False),
]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: table, csv or json.")]


def resolve_endpoint(endpoint: str | None) -> str:
    value = endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    if not value.startswith(("http://", "https://")):
        raise HfauditError(f"endpoint must be an http(s) URL, got {value!r}", code=2)
    return value.rstrip("/")


def resolve_token(token: str | None) -> str | None:
    return token or os.environ.get("HF_TOKEN") or None


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_command)
    app.command("analyse")(analyse_command)
    app.command("sql")(sql_command)
    app.command("demo")(demo_command)


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
    no_analyse: Annotated[bool, typer.Option("--no-analyse", help="Do not rebuild the analysis tables.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars; only the summary.")] = False,
) -> None:
    """Crawl a scope of the Hub into --db as one snapshot.

    Example: hfaudit crawl --author meta-llama --db llama.duckdb
    """
    from hfaudit.crawl import Scope, crawl
    from hfaudit.progress import CrawlProgress

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
        from hfaudit.analyse import analyse

        for line in analyse(str(db)):
            if not quiet:
                print(line)


def analyse_command(db: DbOption = Path("hfaudit.duckdb")) -> None:
    """(Re)build the analysis tables from what is crawled.

    Example: hfaudit analyse --db hfaudit.duckdb
    """
    from hfaudit.analyse import analyse

    for line in analyse(str(db)):
        print(line)


def sql_command(
    query: Annotated[str, typer.Argument(help="SQL to run read-only.")],
    db: DbOption = Path("hfaudit.duckdb"),
    fmt: FormatOption = "table",
) -> None:
    """Run SQL on --db, read-only.

    Example: hfaudit sql "select count(*) from commits" --format csv
    """
    from hfaudit.output import render_frame
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


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the demo outputs.")] = Path("reports/demo"),
    models: Annotated[int, typer.Option("--models", min=10, help="Models in the generated registry.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 7,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Generate a registry, serve it on loopback, crawl, analyse and summarise, with no network.

    Example: hfaudit demo --out reports/demo
    """
    from hfaudit.demo import run_demo

    for line in run_demo(out, models=models, seed=seed, quiet=quiet):
        print(line)
