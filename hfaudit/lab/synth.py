"""A store synthesiser for scale: crawl tables for N models written straight into a store.

    python -m hfaudit.lab.synth --models 100000 --out reports/bench/synth-100k.duckdb --seed 7

How: the generator (``hfaudit.fakehub.generate``) writes a base registry of ``--base`` models
(default 2,000, the demo's size) at its distributions; the base is turned into crawl tables once
(loopback fake Hub, in-process, cached in ``--cache``: this is what makes the rows exactly what the
crawler writes), then the synthesiser copies those rows into the output store as many times as N
needs, in SQL, each copy under its own owners (``acme/foo`` → ``acme-c3/foo``; author, declared base
models, renames and model-tree parents follow), the last copy cut to reach exactly N models. A copy
is a new set of owners with the same names, so the name parser still sees N distinct model ids,
and version series, lineage edges and duplicates stay within one copy as in the base.

Per model the rows are the generator's (commits, file changes, cards, refs, files); what copying
does not give is variety beyond the base: 1M models are 500 copies of 2,000 draws.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from hfaudit.store import Store, schema

# Tables copied per model, and the id columns that name a model (rewritten per copy).
MODEL_TABLES = (
    "models",
    "model_snapshots",
    "commits",
    "file_changes",
    "model_files",
    "card_versions",
    "file_contents",
    "refs",
    "model_base_models",
    "crawl_errors",
)
ID_COLUMNS = {"model_id", "author", "renamed_to", "parent_id"}
LIST_ID_COLUMNS = {"card_base_models"}


def base_store(models: int, seed: int, cache: Path) -> Path:
    """The crawled store of the generator's registry of ``models`` models (seed ``seed``), cached."""
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"base-{models}-{seed}.duckdb"
    if db.exists():
        return db
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.fakehub.generate import write_registry
    from hfaudit.fakehub.server import start_server

    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "registry.jsonl"
        write_registry(registry, models=models, seed=seed)
        part = db.with_suffix(".part")
        part.unlink(missing_ok=True)
        with start_server(registry, port=0) as server:
            crawl(str(part), server.url, Scope(), concurrency=4)
        part.rename(db)
    return db


def _owner(col: str) -> str:
    """SQL: the id in ``col`` with copy ``k``'s owner suffix (copy 0 keeps the id)."""
    return (
        f"case when k = 0 or {col} is null then {col} "
        f"when strpos({col}, '/') > 0 then regexp_replace({col}, '^([^/]+)/', '\\1-c' || k || '/') "
        f"else {col} || '-c' || k end"
    )


def memory_for(models: int) -> str:
    """The copy's default ``memory_limit``: 2GB up to 200k models, then 8GB a million models (the
    primary-key indexes are built in memory: a 1M-model copy failed in 2GB; 8GB is the measured fit,
    docs/scale.md)."""
    return "2GB" if models <= 200_000 else f"{max(2, math.ceil(8 * models / 1_000_000))}GB"


def synthesise(
    out: Path, models: int, seed: int = 7, base: int = 2000, cache: Path | None = None, memory: str | None = None
) -> dict[str, int]:
    """Write a store of ``models`` models into ``out`` (replaced); row counts per table. ``memory`` is
    DuckDB's ``memory_limit`` for the copy (default :func:`memory_for`)."""
    memory = memory or memory_for(models)
    src = base_store(base, seed, cache or Path("reports/bench/cache"))
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with Store(str(out)):
        pass  # the declared schema, migrations and meta
    con = duckdb.connect(str(out))
    try:
        con.execute(f"set memory_limit = '{memory}'")
        con.execute(f"set temp_directory = '{out}.tmp'")
        con.execute(f"attach '{src}' as base (read_only)")
        n_base = con.execute("select count(*) from base.models").fetchone()[0]  # type: ignore[index]
        copies = max(1, math.ceil(models / n_base))
        # Copy k takes every base model, the last copy its first models by id.
        con.execute(
            """
            create temp table pick as
            with ranked as (select model_id, row_number() over (order by model_id) - 1 as i from base.models)
            select model_id, k
            from ranked, range(?) as r(k)
            where k * ? + i < ?
            """,
            [copies, n_base, models],
        )
        for name in ("meta", "snapshots"):
            con.execute(f"delete from {name}")
            con.execute(f"insert into {name} select * from base.{name}")
        counts: dict[str, int] = {}
        for name in MODEL_TABLES:
            cols = schema.columns(name)
            sel = []
            for c in cols:
                if c in ID_COLUMNS:
                    sel.append(f"{_owner('t.' + c)} as {c}")
                elif c in LIST_ID_COLUMNS:
                    sel.append(f"case when k = 0 then t.{c} else list_transform(t.{c}, lambda x: {_owner('x')}) end as {c}")
                else:
                    sel.append(f"t.{c}")
            con.execute(
                f"insert into {name} ({', '.join(cols)}) "
                f"select {', '.join(sel)} from base.{name} as t join pick as p on p.model_id = t.model_id"
            )
            counts[name] = con.execute(f"select count(*) from {name}").fetchone()[0]  # type: ignore[index]
        con.execute("checkpoint")
    finally:
        con.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hfaudit.lab.synth", description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--base", type=int, default=2000, help="models the generator draws (copied up to --models)")
    ap.add_argument("--cache", type=Path, default=Path("reports/bench/cache"))
    ap.add_argument("--memory", default=None, help="DuckDB memory_limit of the copy (default: 2GB up to 200k models, 8GB a million models beyond)")
    a = ap.parse_args(argv)
    if a.models < 1 or a.base < 10:
        print("synth: --models must be at least 1 and --base at least 10", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        counts = synthesise(a.out, a.models, a.seed, a.base, a.cache, a.memory)
    except duckdb.Error as exc:
        print(f"synth: {str(exc).splitlines()[0]} (a larger --memory may help)", file=sys.stderr)
        return 1
    print(
        f"synth: {counts['models']} models, {counts['commits']} commits, {counts['file_changes']} file changes "
        f"into {a.out} in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
