"""The store's schema is a contract: a golden copy, documentation, and atomic batches."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest

from hfaudit.errors import HfauditError
from hfaudit.store import ModelBatch, Store, table_names

GOLDEN = Path(__file__).parent / "golden" / "schema.txt"
DOCS = Path(__file__).parent.parent / "docs" / "schema.md"


def schema_text(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'main' order by table_name, ordinal_position"
    ).fetchall()
    return "".join(f"{t}.{c} {d}\n" for t, c, d in rows)


def test_schema_matches_golden_copy(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        text = schema_text(store.con)
    if os.environ.get("HFAUDIT_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "schema changed: update docs/schema.md and rerun with HFAUDIT_UPDATE_GOLDEN=1"


def test_every_table_is_documented(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        tables = table_names(store.con)
    documented = set(re.findall(r"^### `(\w+)`", DOCS.read_text(), flags=re.M))
    assert set(tables) - documented == set()


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        batch = ModelBatch()
        batch.commits.append({"model_id": "a/b", "commit_id": "c1", "position": 0})
        batch.file_changes.append({"model_id": "a/b", "commit_id": "c1", "path": None, "change_kind": "added", "category": "weights"})
        with pytest.raises(duckdb.Error):
            store.write(batch, 1)
        assert store.con.execute("select count(*) from commits").fetchone() == (0,)


def test_rewriting_a_batch_does_not_duplicate(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        batch = ModelBatch()
        batch.commits.append({"model_id": "a/b", "commit_id": "c1", "position": 0, "title": "x"})
        store.write(batch, 1)
        store.write(batch, 1)
        assert store.con.execute("select count(*) from commits").fetchone() == (1,)


def test_read_only_open_of_a_missing_db_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(HfauditError, match="no database"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_analyse_refuses_a_missing_store_and_creates_nothing(tmp_path: Path) -> None:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.errors import HfauditError

    db = tmp_path / "never-crawled.duckdb"
    with pytest.raises(HfauditError, match="no database at") as info:
        list(analyse(str(db)))
    assert info.value.code == 2
    assert not db.exists()


def test_analyse_runs_on_a_store_with_nothing_crawled(tmp_path: Path) -> None:
    """A crawl whose scope matched no model leaves an empty store: every analyser must cope."""
    from hfaudit.analyse import ANALYSERS
    from hfaudit.audit.pipeline import analyse

    db = tmp_path / "empty.duckdb"
    Store(db).close()
    lines = list(analyse(str(db)))
    assert len(lines) == len(ANALYSERS) + 1  # the analysers, then the audits
    with Store(db, read_only=True) as store:
        assert store.con.execute("select count(*) from lineage_edges").fetchone() == (0,)
        assert store.con.execute("select count(*) from audit_findings").fetchone() == (0,)
