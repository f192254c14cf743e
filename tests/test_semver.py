"""Semantic-versioning releases (``semver_releases``) from a crawl of small hand-built registries:
what a series step compares when a repository changes its card after its upload."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hfaudit.analyse import ANALYSERS
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.registry import write_models
from hfaudit.store import Store
from tests import registry_builder as rb

pytest.importorskip("hfaudit.fakehub.server")
from hfaudit.fakehub.server import start_server  # noqa: E402


def card(license_id: str) -> str:
    return f"---\nlicense: {license_id}\npipeline_tag: text-generation\n---\n# widget\n\nA widget model.\n"


def repo(model_id: str, later: list[tuple[str, list[dict]]], tags: dict[str, int], day: int = 1) -> dict:
    """Uploaded (weights and an MIT card) on ``day``, then the ``later`` commits, one a day; ``tags``
    names commits by position (1 is the upload)."""
    commits = [rb.commit(model_id, 1, "Upload folder using huggingface_hub", [rb.weight("model.safetensors", 1), rb.text("README.md", card("mit"))], day=day)]
    for n, (title, changes) in enumerate(later, start=2):
        commits.append(rb.commit(model_id, n, title, changes, day=day + n - 1))
    line = rb.model(model_id, commits, pipeline_tag="text-generation")
    line["refs"] = {"branches": {"main": commits[-1]["id"]}, "tags": {name: commits[pos - 1]["id"] for name, pos in tags.items()}}
    return line


RELICENSED = [("Update model", [rb.weight("model.safetensors", 2, op="modify"), rb.text("README.md", card("cc-by-nc-4.0"), op="modify")])]
RELICENSED_UNTAGGED = [
    ("Update model", [rb.weight("model.safetensors", 2, op="modify")]),
    ("Update README.md", [rb.text("README.md", card("cc-by-nc-4.0"), op="modify")]),
]


def lines() -> list[dict]:
    return [
        # The successor changes its license after its upload and releases that as its own tag v1.1
        # (an in-repository under-bump): the series step 1.1 → 1.2 is the upload, with the same license.
        repo("acme/widget-1.1", [], {}),
        repo("acme/widget-1.2", RELICENSED, {"v1.0": 1, "v1.1": 2}, day=10),
        # The predecessor does it: the successor, uploaded under the predecessor's first license, changes none.
        repo("acme/gadget-1.1", RELICENSED, {"v1.0": 1, "v1.1": 2}),
        repo("acme/gadget-1.2", [], {}, day=10),
        # No in-repository release ships the successor's new license: it amends the series step.
        repo("acme/tool-1.1", [], {}),
        repo("acme/tool-1.2", RELICENSED_UNTAGGED, {}, day=10),
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("semver")
    registry = tmp / "registry.jsonl"
    write_models(registry, lines())
    db = tmp / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope())
    with duckdb.connect(str(db)) as con:
        for name, analyser in ANALYSERS:
            if name in ("naming", "semver"):
                analyser(con)
    return db


def releases(db: Path, owner_name: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """
            select model_id, release_kind, version, previous_version, declared_bump, required_bump, reasons, under_bump
            from semver_releases where model_id like ? order by model_id, committed_at, release_kind
            """,
            [owner_name + "%"],
        ).fetchall()


def test_a_license_the_successor_releases_itself_is_not_a_series_change(store: Path) -> None:
    assert releases(store, "acme/widget") == [
        ("acme/widget-1.2", "series", "1.2", "1.1", "minor", "minor", ["weights"], False),
        ("acme/widget-1.2", "tag", "v1.0", None, "initial", "initial", [], False),
        ("acme/widget-1.2", "tag", "v1.1", "v1.0", "minor", "major", ["license", "weights"], True),
    ]


def test_a_license_the_predecessor_changed_later_is_not_a_series_change(store: Path) -> None:
    assert releases(store, "acme/gadget") == [
        ("acme/gadget-1.1", "tag", "v1.0", None, "initial", "initial", [], False),
        ("acme/gadget-1.1", "tag", "v1.1", "v1.0", "minor", "major", ["license", "weights"], True),
        ("acme/gadget-1.2", "series", "1.2", "1.1", "minor", "minor", ["weights"], False),
    ]


def test_a_license_no_in_repository_release_ships_amends_the_series_step(store: Path) -> None:
    assert releases(store, "acme/tool") == [
        ("acme/tool-1.2", "series", "1.2", "1.1", "minor", "major", ["license", "weights"], True),
    ]


def test_evaluate_refuses_missing_and_malformed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hfaudit.lab.semver_eval import main

    with pytest.raises(SystemExit) as info:
        main([str(tmp_path / "none.duckdb"), str(tmp_path / "none.jsonl")])
    assert info.value.code == 2 and "no such file" in capsys.readouterr().err
    db, truth = tmp_path / "h.duckdb", tmp_path / "t.jsonl"
    Store(db).close()
    truth.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main([str(db), str(truth)])
    assert info.value.code == 2 and "not a truth file" in capsys.readouterr().err
