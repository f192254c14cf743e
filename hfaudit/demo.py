"""`hfaudit demo`: the whole path on a machine with no network.

Generate a registry, serve it on a free loopback port, crawl it, analyse it, and write
``hfaudit.duckdb`` and ``summary.md`` into the output folder. The server is stopped at the end,
whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from hfaudit.errors import HfauditError


@contextlib.contextmanager
def served(registry: Path, *extra: str) -> Iterator[str]:
    """Run ``hfaudit fakehub serve`` in a subprocess; yield its URL; stop it whatever happens."""
    cmd = [sys.executable, "-m", "hfaudit", "fakehub", "serve", "--registry", str(registry), "--port", "0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            err = proc.stderr.read().strip().splitlines() if proc.stderr else []
            raise HfauditError(f"the fake Hub did not start: {err[-1] if err else line or 'no output'}")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_demo(out: Path, models: int = 2000, seed: int = 7, quiet: bool = False) -> Iterator[str]:
    from hfaudit.analyse import analyse
    from hfaudit.crawl import Scope, crawl
    from hfaudit.fakehub.generate import write_registry
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
    from hfaudit.report import write_report

    for path in write_report(db, out):
        yield f"demo: wrote {path}"
