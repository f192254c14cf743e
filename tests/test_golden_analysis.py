"""The analysis tables of two seeded stores equal their frozen golden dumps, row for row.

The stores are rebuilt as ``hfaudit.lab.golden`` builds them: a 300-model registry (seed 7) crawled
once, and a 300-model registry (seed 5) crawled, evolved (seed 6) and crawled again into the same
store; then ``hfaudit analyse``. Each analysis table is dumped ordered by all its columns and compared
with ``tests/golden/analysis/<kind>-300-<seed>/``. Refresh after an intended change with
``HFAUDIT_UPDATE_GOLDEN=1`` (and say why in the commit).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hfaudit.lab.golden import analysis_tables, build_store, compare, dump_tables

GOLDEN = Path(__file__).resolve().parent / "golden" / "analysis"
CASES = [("plain", 300, 7), ("evolve", 300, 5)]


@pytest.mark.parametrize(("kind", "models", "seed"), CASES)
def test_analysis_tables_equal_the_golden_dump(tmp_path: Path, kind: str, models: int, seed: int) -> None:
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    db = tmp_path / "h.duckdb"
    build_store(db, kind, models, seed, tmp_path)
    now = tmp_path / "now"
    written = dump_tables(db, now)
    assert {p.name for p in written} == {f"{t}.csv.gz" for t in analysis_tables()}
    want = GOLDEN / f"{kind}-{models}-{seed}"
    if os.environ.get("HFAUDIT_UPDATE_GOLDEN"):
        shutil.rmtree(want, ignore_errors=True)
        shutil.copytree(now, want)
    assert compare(now, want) == []


def test_compare_names_the_table_and_line_that_differ(tmp_path: Path) -> None:
    import gzip

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for folder, row in ((a, "m,1"), (b, "m,2")):
        with gzip.open(folder / "t.csv.gz", "wt") as f:
            f.write(f"model_id,n\n{row}\n")
    diffs = compare(a, b)
    assert len(diffs) == 1 and diffs[0].startswith("t.csv.gz: 2 vs 2 lines; line 2: 'm,1' vs golden 'm,2'")
