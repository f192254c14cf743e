"""Golden analysis tables: seeded stores crawled from the fake Hub, their analysis tables dumped in order.

Two kinds of store (``build_store``):

- ``plain``: a registry of N models (seed S), served and crawled once;
- ``evolve``: a registry of N models (seed S) crawled, then its next snapshot (seed S+1) crawled
  into the same store.

``dump_tables(db, folder)`` writes every analysis table (``schema.ANALYSIS_TABLES``, as the store
declares them) as one gzipped CSV file each, rows ordered by every column, so two runs of the analysers can
be compared file by file. ``tests/test_golden_analysis.py`` keeps the small ones in
``tests/golden/analysis/``; the demo-size comparison is a command:

    python -m hfaudit.lab.golden freeze --kind plain --models 2000 --seed 7 --out reports/golden/demo
    python -m hfaudit.lab.golden compare --kind plain --models 2000 --seed 7 --golden reports/golden/demo
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

import duckdb

from hfaudit.store import schema


def analysis_tables() -> list[str]:
    return [t.name for t in schema.TABLES_LIST if t.kind == "analysis"]


def build_store(db: Path, kind: str, models: int, seed: int, work: Path) -> None:
    """Generate, serve and crawl the registry of ``kind`` into ``db``, then run ``hfaudit analyse``."""
    from hfaudit.audit.pipeline import analyse
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.fakehub.generate import evolve, generate
    from hfaudit.fakehub.registry import write_models
    from hfaudit.fakehub.server import start_server

    lines, truths = generate(models, seed)
    snapshots = [lines]
    if kind == "evolve":
        lines2, _ = evolve(lines, seed + 1, truths)
        snapshots.append(lines2)
    elif kind != "plain":
        raise ValueError(f"kind must be plain or evolve, not {kind!r}")
    for i, registry_lines in enumerate(snapshots):
        path = work / f"registry{i}.jsonl"
        write_models(path, registry_lines)
        with start_server(path, port=0) as server:
            crawl(str(db), server.url, Scope(), concurrency=4)
    for _ in analyse(str(db)):
        pass


def table_sql(con: duckdb.DuckDBPyConnection, name: str) -> str:
    cols = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
        [name],
    ).fetchall()]
    # Lists and structs sort and print as text; doubles rounded so summation order does not show.
    sel = []
    for c, t in con.execute(
        "select column_name, data_type from information_schema.columns where table_name = ? "
        "order by ordinal_position",
        [name],
    ).fetchall():
        q = f'"{c}"'
        if t in ("DOUBLE", "FLOAT"):
            sel.append(f"round({q}, 9) as {q}")
        elif t.endswith("[]") or t.startswith("STRUCT") or t.startswith("MAP"):
            sel.append(f"cast({q} as varchar) as {q}")
        else:
            sel.append(q)
    order = ", ".join(f"{i + 1} nulls first" for i in range(len(cols)))
    return f"select {', '.join(sel)} from \"{name}\" order by {order}"


def dump_tables(db: Path, folder: Path) -> list[Path]:
    """Every analysis table of ``db`` as ``folder/<table>.csv``, ordered by all columns."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    with duckdb.connect(str(db), read_only=True) as con:
        have = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        for name in analysis_tables():
            if name not in have:
                continue
            path = folder / f"{name}.csv.gz"
            con.execute(f"copy ({table_sql(con, name)}) to '{path}' (header, delimiter ',', compression gzip)")
            out.append(path)
    return out


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def compare(got: Path, want: Path) -> list[str]:
    """The tables whose CSV differ between two dumps, each with its first differing line."""
    diffs = []
    names = sorted({p.name for p in got.glob("*.csv.gz")} | {p.name for p in want.glob("*.csv.gz")})
    for name in names:
        a, b = got / name, want / name
        if not a.exists() or not b.exists():
            diffs.append(f"{name}: only in {'golden' if b.exists() else 'this run'}")
            continue
        la, lb = _lines(a), _lines(b)
        if la != lb:
            first = next((i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), min(len(la), len(lb)))
            diffs.append(
                f"{name}: {len(la)} vs {len(lb)} lines; line {first + 1}: "
                f"{la[first] if first < len(la) else '<end>'!r} vs golden {lb[first] if first < len(lb) else '<end>'!r}"
            )
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hfaudit.lab.golden", description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=["freeze", "compare"])
    ap.add_argument("--kind", choices=["plain", "evolve"], default="plain")
    ap.add_argument("--models", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, help="freeze: folder to write the CSV files into")
    ap.add_argument("--golden", type=Path, help="compare: folder of a frozen dump")
    ap.add_argument("--db", type=Path, help="use (or keep) this store instead of a temporary one")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db or Path(tmp) / "golden.duckdb"
        if not db.exists():
            build_store(db, a.kind, a.models, a.seed, Path(tmp))
        else:
            from hfaudit.audit.pipeline import analyse

            for _ in analyse(str(db)):
                pass
        if a.action == "freeze":
            if a.out is None:
                print("golden: freeze needs --out", file=sys.stderr)
                return 2
            for p in dump_tables(db, a.out):
                print(f"golden: wrote {p}")
            return 0
        if a.golden is None:
            print("golden: compare needs --golden", file=sys.stderr)
            return 2
        dump_tables(db, Path(tmp) / "now")
        diffs = compare(Path(tmp) / "now", a.golden)
        for d in diffs:
            print(f"golden: differs: {d}")
        print(f"golden: {len(diffs)} tables differ")
        return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
