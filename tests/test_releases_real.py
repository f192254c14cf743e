"""Real histories: the four git histories of ../shared/reference are imported into a registry,
served, crawled and analysed; every in-place replacement of ``_lfs_file_events.csv`` must be found
with its commit and sha256s, and the known documented changes must read as documented."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from hfaudit.analyse import ANALYSERS
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.import_git import write_import
from hfaudit.fakehub.server import start_server

HISTORIES = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "real-data" / "hf-repo-git-histories"


@pytest.fixture(scope="module", params=["matter", "all"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HISTORIES.is_dir():
        pytest.skip("../shared/reference is not available")
    tmp = tmp_path_factory.mktemp(f"real-{request.param}")
    registry = tmp / "git.jsonl"
    write_import(HISTORIES, registry, keep_ids=True)  # the real commit ids, which _lfs_file_events.csv names
    path = tmp / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(path), server.url, Scope(), changes=request.param, history="api")  # --changes is an API-backend mode
    with duckdb.connect(str(path)) as con:
        for name, analyser in ANALYSERS:
            if name in ("naming", "releases"):
                analyser(con)
    return path


def lfs_events() -> list[dict[str, str]]:
    with (HISTORIES / "_lfs_file_events.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_in_place_replacement_with_commit_and_sha256s(db: Path) -> None:
    expected = {
        (e["hf_repo"], e["commit"], e["path"], e["old_lfs_sha256"], e["new_lfs_sha256"], int(e["old_lfs_size"]), int(e["new_lfs_size"]))
        for e in lfs_events()
        if e["status"] == "M"
    }
    with duckdb.connect(str(db), read_only=True) as con:
        found = set(
            con.execute(
                "select model_id, commit_id, path, old_sha256, new_sha256, old_size, new_size "
                "from weight_changes where change_kind = 'replaced'"
            ).fetchall()
        )
    assert len(expected) == 5
    assert found == expected


def test_gpt_j_replacements_and_roberta_update_to_v2_are_documented(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        gptj = con.execute(
            "select title, documented, signals from weight_changes "
            "where model_id = 'EleutherAI/gpt-j-6b' and path = 'pytorch_model.bin' order by position"
        ).fetchall()
        v2 = con.execute(
            "select documented, signals from weight_changes where model_id = 'deepset/roberta-base-squad2' "
            "and title = 'Update to v2' and path = 'pytorch_model.bin'"
        ).fetchone()
    assert [t for t, _, _ in gptj] == ["upload 6B weights", "Restore model functionality", "adapt model weights", "correct checkpoint"]
    assert all(d and "commit_message" in s for _, d, s in gptj[1:])
    assert v2 is not None and v2[0] and {"commit_message", "readme_changelog"} <= set(v2[1])


def test_every_lfs_weight_event_has_its_kind(db: Path) -> None:
    """Added, modified and deleted LFS weight files of the CSV are the initial/added/converted,
    replaced and deleted events (sha256 and commit equal)."""
    kinds = {"A": {"initial", "added", "converted"}, "M": {"replaced"}, "D": {"deleted"}}
    with duckdb.connect(str(db), read_only=True) as con:
        found = {
            (r[0], r[1], r[2]): (r[3], r[4] or r[5])
            for r in con.execute(
                "select model_id, commit_id, path, change_kind, new_sha256, old_sha256 from weight_changes"
            ).fetchall()
        }
        conversion = con.execute(
            "select from_path from weight_changes where change_kind = 'converted' and model_id = 'distilbert/distilroberta-base'"
        ).fetchall()
    from hfaudit.files import is_weight

    for e in lfs_events():
        if not is_weight(e["path"]):
            continue
        kind, sha = found[(e["hf_repo"], e["commit"], e["path"])]
        assert kind in kinds[e["status"]], e
        assert sha == (e["new_lfs_sha256"] or e["old_lfs_sha256"])
    assert conversion == [("pytorch_model.bin",)]


def test_transparency_of_the_real_cards(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            "select model_id, card_state, license, datasets_declared from transparency order by model_id"
        ).fetchall()
    assert got == [
        ("EleutherAI/gpt-j-6b", "metadata", "apache-2.0", True),
        ("deepset/roberta-base-squad2", "metadata", "cc-by-4.0", True),
        ("distilbert/distilroberta-base", "metadata", "apache-2.0", True),
        ("meta-llama/Llama-3.2-3B-Instruct", "metadata", "llama3.2", False),
    ]
