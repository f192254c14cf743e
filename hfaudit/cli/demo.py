"""`hfaudit demo`: the whole path on a machine with no network.

Generate a registry, serve it on a free loopback port, crawl it, analyse it, and write
``hfaudit.duckdb`` and ``summary.md`` into the output folder. The server is stopped at the end,
whatever happens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from hfaudit.errors import HfauditError
from hfaudit.fakehub.server import served


def run_demo(out: Path, models: int = 2000, seed: int = 7, quiet: bool = False) -> Iterator[str]:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.audit.summary import write_summary
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.collect.progress import CrawlProgress
    from hfaudit.fakehub.generate import write_registry

    out.mkdir(parents=True, exist_ok=True)
    registry = out / "registry.jsonl"
    db = out / "hfaudit.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        if stale.exists():
            stale.unlink()
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    started = time.monotonic()
    write_registry(registry, models=models, seed=seed)
    yield f"demo: generated {models} models (seed {seed}) into {registry}"
    # The fake Hub runs in its own process, as a user would run it, so server and crawler do not
    # share one interpreter lock.
    with served(registry) as url:
        yield f"demo: fake Hub serving on {url}"
        with CrawlProgress(enabled=not quiet) as progress:
            result = crawl(str(db), url, Scope(), concurrency=4, progress=progress.update)
        yield result.summary()
    if result.counts.models_listed == 0:
        raise HfauditError("demo: the fake Hub listed no models")
    yield from analyse(str(db))
    summary = write_summary(str(db), out / "summary.md", seconds=time.monotonic() - started)
    yield f"demo: wrote {db} and {summary}"
    # The release-practice report (audits, compliance, charts) into the demo folder.
    from hfaudit.audit.report import write_report

    for path in write_report(db, out):
        yield f"demo: wrote {path}"


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the demo outputs.")] = Path("reports/demo"),
    models: Annotated[int, typer.Option("--models", min=10, help="Models in the generated registry.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 7,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Generate a registry, serve it on loopback, crawl, analyse and summarise, with no network.

    Example: hfaudit demo --out reports/demo
    """
    from hfaudit.cli.demo import run_demo

    for line in run_demo(out, models=models, seed=seed, quiet=quiet):
        print(line)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
