"""The crawler against the fake Hub on loopback: what lands in DuckDB must equal the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.registry import Registry, write_models
from hfaudit.fakehub.server import start_server
from hfaudit.files import MATTERING, category
from hfaudit.store import Store
from tests import registry_builder as rb


def expected_changes(registry: Registry) -> set[tuple[str, str, str, str, str | None]]:
    """(model, commit, path, kind, new sha256-or-blob) for every change, from registry trees."""
    out = set()
    for model in registry:
        if model.raw.get("private"):
            continue
        head = model.head
        if head is None:
            continue
        prev: dict = {}
        for commit in reversed(model.history(head)):
            tree = model.tree(commit["id"])
            for path in prev.keys() | tree.keys():
                old, new = prev.get(path), tree.get(path)
                if old is not None and new is not None and old.oid == new.oid:
                    continue
                kind = "added" if old is None else "deleted" if new is None else "modified"
                out.add((model.id, commit["id"], path, kind, (new.lfs_sha256 or new.oid) if new else None))
            prev = tree
    return out


def stored_changes(db: Path) -> set[tuple[str, str, str, str, str | None]]:
    with Store(db, read_only=True) as store:
        rows = store.con.execute(
            "select model_id, commit_id, path, change_kind, coalesce(new_sha256, new_blob) from file_changes"
        ).fetchall()
    return {tuple(r) for r in rows}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "registry.jsonl"
    write_models(path, rb.small_registry())
    return path


def test_crawl_stores_exactly_the_registry(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    registry = Registry.load(small)
    with start_server(small, port=0) as server:
        result = crawl(str(db), server.url, Scope(), concurrency=2, changes="all", history="api")
    assert result.counts.models_listed == 5
    with Store(db, read_only=True) as store:
        con = store.con
        assert sorted(r[0] for r in con.execute("select model_id from models").fetchall()) == sorted(m.id for m in registry)
        # The gated model's history is not readable anonymously: recorded, not lost, not fatal.
        errors = con.execute("select model_id, stage, error_type from crawl_errors where error_type <> 'card_unparseable'").fetchall()
        assert errors == [("gatekeeper/locked-model", "commits", "gated")]
        commits = {tuple(r) for r in con.execute("select model_id, commit_id from commits").fetchall()}
        want = {(m.id, c["id"]) for m in registry for c in m.commits if m.id != "gatekeeper/locked-model"}
        assert commits == want
        titles = dict(con.execute("select commit_id, title from commits").fetchall())
        assert titles[rb.sha("acme/tiny-llama-v2", 3, "Retrain: v2.1")] == "Retrain: v2.1"
        # Cards: every README version, with parsed front matter, and the malformed one flagged.
        cards = con.execute("select model_id, content, front_matter, card_error from card_versions order by model_id, committed_at").fetchall()
        v2 = [c for c in cards if c[0] == "acme/tiny-llama-v2"]
        assert len(v2) == 2 and "Changelog" in v2[1][1]
        assert json.loads(v2[0][2]) == {"license": "mit", "base_model": "acme/tiny-llama"}
        broken = [c for c in cards if c[0] == "someone/broken-card"]
        assert broken[0][2] is None and "invalid YAML" in broken[0][3]
        assert con.execute("select count(*) from crawl_errors where error_type = 'card_unparseable'").fetchone()[0] == 1
        # Refs, config contents, categories.
        tags = con.execute("select model_id, name from refs where ref_type = 'tag'").fetchall()
        assert tags == [("acme/tiny-llama-v2", "v2.1")]
        contents = con.execute("select model_id, path from file_contents order by 1, 2").fetchall()
        assert ("someone/tiny-lora", "adapter_config.json") in contents and ("acme/tiny-llama-v2", "config.json") in contents
        cats = {r[0]: r[1] for r in con.execute("select path, category from file_changes").fetchall()}
        assert all(cats[p] == category(p) for p in cats)
        meta = con.execute("select card_base_models, gated, status from models where model_id = 'acme/tiny-llama-v2'").fetchone()
        assert meta == (["acme/tiny-llama"], "false", "present")
        snap = con.execute("select status, models_listed, requests from snapshots").fetchone()
        assert snap[0] == "partial" and snap[1] == 5 and json.loads(snap[2])["total"] > 0
    want_changes = {c for c in expected_changes(registry) if c[0] != "gatekeeper/locked-model"}
    assert stored_changes(db) == want_changes
    replaced = [c for c in want_changes if c[2] == "model.safetensors" and c[3] == "modified"]
    assert len(replaced) == 2


def test_recrawl_of_unchanged_registry_costs_only_the_listing(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    with start_server(small, port=0) as server:
        crawl(str(db), server.url, Scope())
        before = stored_changes(db)
        second = crawl(str(db), server.url, Scope())
    # Healthy models cost nothing; the gated one is not asked again while its head has not moved.
    assert second.counts.models_unchanged == 4
    assert second.counts.commits_added == 0
    assert second.requests["total"] == 1
    assert stored_changes(db) == before
    with Store(db, read_only=True) as store:
        seen = store.con.execute("select status, count(*) from model_snapshots where snapshot_id = 2 group by 1 order by 1").fetchall()
    assert seen == [("failed", 1), ("unchanged", 4)]


def test_next_snapshot_records_new_commits_rewrites_renames_and_vanished(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    lines = rb.small_registry()
    with start_server(small, port=0) as server:
        crawl(str(db), server.url, Scope())
    # Evolve: a new weight replacement, a squashed history, a rename and a deletion.
    a = lines[0]
    a["commits"].append(rb.commit(a["id"], 4, "Upload model.safetensors", [rb.weight("model.safetensors", 4, op="modify")], day=20))
    a["refs"]["branches"]["main"] = a["commits"][-1]["id"]
    b = lines[1]
    squashed = rb.commit(b["id"], 99, "Squash history", [
        rb.weight("model-00001-of-00002.safetensors", 1), rb.weight("model-00002-of-00002.safetensors", 1),
        rb.text("README.md", "---\nlicense: apache-2.0\n---\n# base\n"),
    ], day=21)
    b["commits"] = [squashed]
    lora = lines[4]
    lora["aliases"] = [lora["id"]]
    lora["id"] = "someone/tiny-lora-renamed"
    del lines[2]  # broken-card vanished
    evolved = tmp_path / "evolved.jsonl"
    write_models(evolved, lines)
    with start_server(evolved, port=0) as server:
        result = crawl(str(db), server.url, Scope())
    assert result.counts.models_gone == 1 and result.counts.models_renamed == 1
    with Store(db, read_only=True) as store:
        con = store.con
        status = dict(con.execute("select model_id, status from models").fetchall())
        assert status["someone/broken-card"] == "gone"
        assert status["someone/tiny-lora"] == "renamed"
        assert con.execute("select renamed_to from models where model_id = 'someone/tiny-lora'").fetchone()[0] == "someone/tiny-lora-renamed"
        # Old data is kept: the vanished model's commits are still there.
        assert con.execute("select count(*) from commits where model_id = 'someone/broken-card'").fetchone()[0] == 2
        # Rewritten history: the old commits are kept and marked unreachable since snapshot 2.
        unreachable = con.execute("select count(*) from commits where model_id = 'acme/tiny-llama' and unreachable_since = 2").fetchone()[0]
        assert unreachable == 4
        assert con.execute("select title from commits where model_id = 'acme/tiny-llama' and unreachable_since is null").fetchall() == [("Squash history",)]
        new = con.execute(
            "select change_kind, new_sha256 from file_changes where model_id = 'acme/tiny-llama-v2' and commit_id = ?",
            [a["commits"][-1]["id"]],
        ).fetchall()
        assert new == [("modified", rb.sha256("model.safetensors", 4))]
        # The squashed commit's changes are diffed against the empty tree (no parent).
        assert con.execute(
            "select count(*) from file_changes where model_id = 'acme/tiny-llama' and commit_id = ?", [squashed["id"]]
        ).fetchone()[0] == 3


def test_named_models_and_missing_ones(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    with start_server(small, port=0) as server:
        result = crawl(str(db), server.url, Scope(model_ids=("acme/tiny-llama", "nobody/nothing")), history="api")
    assert result.counts.models_listed == 1
    assert [(e["model_id"], e["stage"], e["error_type"]) for e in result.errors] == [("nobody/nothing", "info", "not_found")]


def test_bisection_finds_every_change_to_the_paths_that_matter_with_fewer_calls(tmp_path: Path) -> None:
    lines = rb.small_registry()
    # A long history whose commits mostly add files that do not matter, with one weight replacement.
    x = "lab/long-history"
    commits = [rb.commit(x, 1, "Upload", [rb.weight("model.safetensors", 1), rb.text("README.md", "# x\n")])]
    commits += [rb.commit(x, i, f"Add eval {i}", [rb.text(f"eval/run_{i}.json", "{}")], day=2) for i in range(2, 30)]
    commits.append(rb.commit(x, 30, "Upload model.safetensors", [rb.weight("model.safetensors", 2, op="modify")], day=3))
    commits += [rb.commit(x, i, f"Add eval {i}", [rb.text(f"eval/run_{i}.json", "{}")], day=4) for i in range(31, 40)]
    lines.append(rb.model(x, commits))
    path = tmp_path / "registry.jsonl"
    write_models(path, lines)
    registry = Registry.load(path)
    every = {c for c in expected_changes(registry) if c[0] != "gatekeeper/locked-model"}
    touched = {(c[0], c[1]) for c in every if category(c[2]) in MATTERING}
    want = {c for c in every if (c[0], c[1]) in touched}
    calls = {}
    for mode in ("all", "matter"):
        db = tmp_path / f"{mode}.duckdb"
        with start_server(path, port=0) as server:
            crawl(str(db), server.url, Scope(), changes=mode)
            calls[mode] = server.stats()["routes"].get("tree", 0)
        if mode == "matter":
            assert stored_changes(db) == want
        else:
            assert stored_changes(db) == every
    assert calls["matter"] < calls["all"] / 2


def test_scope_options_select_what_the_hub_lists(small: Path, tmp_path: Path) -> None:
    cases = {
        "author": (Scope(authors=("acme",)), {"acme/tiny-llama", "acme/tiny-llama-v2"}),
        "filter": (Scope(filters=("base_model:acme/tiny-llama",)), {"acme/tiny-llama-v2", "someone/tiny-lora"}),
        "search": (Scope(search="LORA"), {"someone/tiny-lora"}),
        "limit": (Scope(limit=2, sort="created_at"), None),
    }
    with start_server(small, port=0) as server:
        for name, (scope, want) in cases.items():
            result = crawl(str(tmp_path / f"{name}.duckdb"), server.url, scope)
            with Store(tmp_path / f"{name}.duckdb", read_only=True) as store:
                got = {r[0] for r in store.con.execute("select model_id from models").fetchall()}
            if want is None:
                assert len(got) == 2 and result.counts.models_listed == 2
            else:
                assert got == want, name
