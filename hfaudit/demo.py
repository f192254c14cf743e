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

from hfaudit.errors import HfauditError


def run_demo(out: Path, models: int = 2000, seed: int = 7, quiet: bool = False) -> Iterator[str]:
    from hfaudit.analyse import analyse
    from hfaudit.crawl import Scope, crawl
    from hfaudit.fakehub.generate import write_registry
    from hfaudit.fakehub.server import start_server
    from hfaudit.progress import CrawlProgress
    from hfaudit.summary import write_summary

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
    with start_server(registry, port=0) as server:
        yield f"demo: fake Hub serving on {server.url}"
        with CrawlProgress(enabled=not quiet) as progress:
            result = crawl(str(db), server.url, Scope(), concurrency=4, progress=progress.update)
        yield result.summary()
    if result.counts.models_listed == 0:
        raise HfauditError("demo: the fake Hub listed no models")
    for line in analyse(str(db)):
        yield line
    summary = write_summary(str(db), out / "summary.md", seconds=time.monotonic() - started)
    yield f"demo: wrote {db} and {summary}"
