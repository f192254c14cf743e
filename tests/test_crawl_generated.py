"""A generated registry, served and crawled whole: the store must hold exactly its models, commits
and weight-file changes (issue 2's acceptance check), and bisection must miss none of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.generate import write_registry
from hfaudit.fakehub.registry import Registry
from hfaudit.fakehub.server import start_server
from hfaudit.files import is_weight
from hfaudit.store import Store
from tests.test_crawl import expected_changes, stored_changes

SEED = 20261128


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "registry.jsonl"
    write_registry(path, models=300, seed=SEED)
    return path


def readable(registry: Registry) -> list[str]:
    """Models whose history an anonymous crawler may read (gated, private and disabled are not)."""
    return [m.id for m in registry if not (m.raw.get("gated") or m.raw.get("private") or m.raw.get("disabled"))]


def test_crawl_of_a_generated_registry_equals_the_registry(generated: Path, tmp_path: Path) -> None:
    registry = Registry.load(generated)
    db = tmp_path / "all.duckdb"
    with start_server(generated, port=0) as server:
        result = crawl(str(db), server.url, Scope(), concurrency=4, changes="all")
    public = [m.id for m in registry if not m.raw.get("private")]
    ok = set(readable(registry))
    assert result.counts.models_listed == len(public)
    with Store(db, read_only=True) as store:
        con = store.con
        assert {r[0] for r in con.execute("select model_id from models").fetchall()} == set(public)
        commits = {tuple(r) for r in con.execute("select model_id, commit_id from commits").fetchall()}
        assert commits == {(m.id, c["id"]) for m in registry if m.id in ok for c in m.commits}
        failed = {r[0] for r in con.execute("select distinct model_id from crawl_errors where error_type <> 'card_unparseable'").fetchall()}
        assert failed == set(public) - ok
    want = {c for c in expected_changes(registry) if c[0] in ok}
    assert stored_changes(db) == want
    # Weight-file changes equal the registry's own change records, op for op.
    ops = {"add": "added", "modify": "modified", "delete": "deleted"}
    raw = {
        (m.id, c["id"], ch["path"], ops[ch["op"]])
        for m in registry if m.id in ok
        for c in m.commits for ch in c.get("changes") or [] if is_weight(ch["path"])
    }
    assert {c[:4] for c in want if is_weight(c[2])} == raw


def test_bisection_misses_no_weight_change(generated: Path, tmp_path: Path) -> None:
    registry = Registry.load(generated)
    ok = set(readable(registry))
    db = tmp_path / "matter.duckdb"
    with start_server(generated, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=4, changes="matter")
    want = {c for c in expected_changes(registry) if c[0] in ok and is_weight(c[2])}
    assert {c for c in stored_changes(db) if is_weight(c[2])} == want
