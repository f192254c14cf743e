"""`hfaudit demo`: the whole path on a machine with no network.

Generate a registry, serve it on a free loopback port, crawl it, analyse it, and write
``hfaudit.duckdb`` and ``summary.md`` into the output folder. Then a dependent's day: lock five
models (``hfaudit.lock``), evolve the registry (``fakehub generate --evolve``), serve the next
snapshot and verify the lock against it (``verify.json``, ``verify.sarif``). Every server is
stopped at the end, whatever happens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from hfaudit.errors import HfauditError


def run_demo(out: Path, models: int = 2000, seed: int = 7, quiet: bool = False) -> Iterator[str]:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.audit.summary import write_summary
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.collect.progress import CrawlProgress
    from hfaudit.fakehub.generate import write_registry
    from hfaudit.fakehub.server import served  # here, not at the top: every command imports this module

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
    if result.status == "failed":
        raise HfauditError(f"demo: nothing crawled from the fake Hub: {result.failures() or 'it listed no models'}", code=4)
    yield from analyse(str(db))
    summary = write_summary(str(db), out / "summary.md", seconds=time.monotonic() - started)
    yield f"demo: wrote {db} and {summary}"
    # The release-practice report (audits, compliance, charts) into the demo folder.
    from hfaudit.audit.report import write_report

    for path in write_report(db, out):
        yield f"demo: wrote {path}"
    yield from dependents_demo(out, registry, seed)


def pick_for_lock(registry: Path, changes: dict[str, Any], n: int = 5) -> list[str]:
    """Five readable models to lock: two the next snapshot updates, one it renames, one it squashes
    (when readable) and the rest unchanged, so that the demo's verify has something to say."""
    from hfaudit.fakehub.generate import read_jsonl

    ok = [line["id"] for line in read_jsonl(registry) if not (line.get("gated") or line.get("private") or line.get("disabled"))]
    squashed = (changes.get("squashed") or {}).get("id")
    moved = set(changes["updated"]) | set(changes["renamed"]) | set(changes["deleted"]) | {squashed}
    picked = [m for m in changes["updated"] if m in ok][:2]
    picked += [m for m in changes["renamed"] if m in ok][:1]
    picked += [squashed] if squashed in ok else []
    picked += [m for m in ok if m not in moved][: n - len(picked)]
    return picked[:n]


def dependents_demo(out: Path, registry: Path, seed: int) -> Iterator[str]:
    """A dependent's day: lock five models, the registry evolves, verify the lock against it."""
    import json

    from hfaudit.audit.lock import lock_from_hub, write_lock
    from hfaudit.audit.verify import STATUS_WEIGHT, verify
    from hfaudit.fakehub.generate import changes_path, write_evolved
    from hfaudit.fakehub.server import served
    from hfaudit.present.dependents import verify_json, verify_sarif, verify_text

    evolved = out / "registry-next.jsonl"
    write_evolved(registry, evolved, seed + 1)
    changes = json.loads(changes_path(evolved).read_text(encoding="utf-8"))
    models = pick_for_lock(registry, changes)
    lock = out / "hfaudit.lock"
    with served(registry) as url:
        write_lock(lock_from_hub(models, url), lock)
    yield f"demo: hfaudit lock {' '.join(models)} --out {lock}"
    yield f"demo: hfaudit fakehub generate --seed {seed + 1} --evolve {registry} --out {evolved}"
    with served(evolved) as url:
        result = verify(lock, url)
    doc = result.as_json()
    (out / "verify.json").write_text(verify_json(doc), encoding="utf-8")
    (out / "verify.sarif").write_text(verify_sarif(doc, STATUS_WEIGHT), encoding="utf-8")
    yield f"demo: hfaudit verify {lock} (exit {result.exit_code}, {doc['requests']['total']} requests):"
    for line in verify_text(doc).splitlines():
        yield "  " + line
    yield f"demo: wrote {out / 'verify.json'} and {out / 'verify.sarif'}"


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
