"""Importing real git histories: every commit and every LFS event survives, with the right ids."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from hfaudit.errors import HfauditError
from hfaudit.fakehub.import_git import import_git, parse_gitlog, write_import
from hfaudit.fakehub.registry import Model, Registry, parse_date

HISTORIES = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference"
    / "real-data"
    / "hf-repo-git-histories"
)

needs_reference = pytest.mark.skipif(not HISTORIES.is_dir(), reason="../shared/reference is not available")


@pytest.fixture(scope="module")
def models() -> dict[str, Model]:
    if not HISTORIES.is_dir():
        pytest.skip("../shared/reference is not available")
    return {line["id"]: Model(line) for line in import_git(HISTORIES)}


@needs_reference
def test_one_model_per_repo_and_every_commit(models: dict[str, Model]) -> None:
    logs = sorted(HISTORIES.glob("*.gitlog_raw.txt"))
    assert sorted(models) == sorted(
        p.name.removesuffix(".gitlog_raw.txt").replace("__", "/", 1) for p in logs
    )
    for log in logs:
        text = log.read_text(encoding="utf-8")
        model = models[log.name.removesuffix(".gitlog_raw.txt").replace("__", "/", 1)]
        real = re.findall(r"^commit ([0-9a-f]{40})$", text, flags=re.MULTILINE)
        assert [c["id"] for c in model.commits] == list(reversed(real))
        real_parents = re.findall(r"^parents ?(.*)$", text, flags=re.MULTILINE)
        assert [c["parents"] for c in model.commits] == [p.split() for p in reversed(real_parents)]
        assert model.head == real[0]
        assert model.commits[0]["title"] == "initial commit"  # its author is not always `system`
    assert sum(len(m.commits) for m in models.values()) == 96


@needs_reference
def test_every_file_change_row_is_imported(models: dict[str, Model]) -> None:
    ops = {"A": "add", "M": "modify", "D": "delete"}
    for path in HISTORIES.glob("*.file_changes.csv"):
        model = models[path.name.removesuffix(".file_changes.csv").replace("__", "/", 1)]
        index = {(c["id"], ch["path"]): ch for c in model.commits for ch in c["changes"]}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["status"] not in ops:
                    continue  # rows broken by multi-line subjects in the export
                change = index[(row["commit"], row["path"])]
                assert change["op"] == ops[row["status"]]
                if row["status"] != "D":
                    assert change["oid"] == row["new_blob"]
                commit = model.commit(row["commit"])
                assert parse_date(commit["date"]) == parse_date(row["commit_date"])


@needs_reference
def test_every_lfs_event_with_commit_path_and_sha256(models: dict[str, Model]) -> None:
    with (HISTORIES / "_lfs_file_events.csv").open(encoding="utf-8", newline="") as handle:
        events = list(csv.DictReader(handle))
    assert len(events) >= 30
    for event in events:
        model = models[event["hf_repo"]]
        commit = model.commit(event["commit"])
        change = next(ch for ch in commit["changes"] if ch["path"] == event["path"])
        if event["status"] == "D":
            assert change["op"] == "delete"
            parent = model.parents(event["commit"])[0]
            assert model.file(parent, event["path"]).lfs_sha256 == event["old_lfs_sha256"]
        else:
            assert change["lfs"] == {"sha256": event["new_lfs_sha256"], "size": int(event["new_lfs_size"])}
        if event["status"] == "M":
            parent = model.parents(event["commit"])[0]
            assert model.file(parent, event["path"]).lfs_sha256 == event["old_lfs_sha256"]


@needs_reference
def test_gpt_j_in_place_replacements_and_roberta_update_to_v2(models: dict[str, Model]) -> None:
    gptj = models["EleutherAI/gpt-j-6b"]
    bins = [
        (c["title"], ch) for c in gptj.commits for ch in c["changes"] if ch["path"] == "pytorch_model.bin"
    ]
    assert [ch["op"] for _, ch in bins] == ["add", "modify", "modify", "modify"]
    assert len({ch["lfs"]["sha256"] for _, ch in bins}) == 4
    assert [t for t, _ in bins][1:] == [
        "Restore model functionality",
        "adapt model weights",
        "correct checkpoint",
    ]
    roberta = models["deepset/roberta-base-squad2"]
    update = next(c for c in roberta.commits if c["title"] == "Update to v2")
    change = next(ch for ch in update["changes"] if ch["path"] == "pytorch_model.bin")
    assert change["op"] == "modify"
    assert change["lfs"]["sha256"] == "e0b64ccefc1bcb569b604baea27eb873e5482fdf6eb3ceff1fb5368397db5aed"


@needs_reference
def test_readme_and_config_content_at_each_version(models: dict[str, Model]) -> None:
    for name, path in (("readme", "README.md"), ("config", "config.json")):
        for versions in HISTORIES.glob(f"*.{name}_versions.jsonl"):
            for line in versions.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                model = models[row["hf_repo"]]
                state = model.file(row["commit"], path)
                assert state is not None and state.content == row["content"] and state.oid == row["blob"]
    card = models["EleutherAI/gpt-j-6b"].card()
    assert card.data is not None and card.data["license"] == "apache-2.0"


@needs_reference
def test_messages_and_coauthors(models: dict[str, Model]) -> None:
    gptj = models["EleutherAI/gpt-j-6b"]
    fix = next(c for c in gptj.commits if c["title"] == "Fix dataset name (#4)")
    assert fix["authors"] == ["Stella Biderman", "Julien Simon"]
    assert fix["message"].startswith("- Fix dataset name (0b036f8c")
    assert fix["date"] == "2022-10-25T14:51:03.000Z"


@needs_reference
def test_write_import_and_served_registry_loads(tmp_path: Path) -> None:
    out = tmp_path / "git.jsonl"
    models, commits = write_import(HISTORIES, out)
    assert (models, commits) == (4, 96)
    registry = Registry.load(out)
    model = registry.get("meta-llama/Llama-3.2-3B-Instruct")
    assert model is not None and model.head == model.commits[-1]["id"]


def test_parse_gitlog_on_a_minimal_log_and_layout_errors(tmp_path: Path) -> None:
    log = (
        "commit "
        + "b" * 40
        + "\nparents "
        + "a" * 40
        + "\nauthor Ann <x@y>\nauthor_date 2024-01-02T00:00:00+01:00\n"
        "committer Ann <x@y>\ncommit_date 2024-01-02T00:00:00+01:00\nmessage:\nUpdate weights\n\nretrained\n--\n\n"
        ":100644 100644 " + "1" * 40 + " " + "2" * 40 + " M\tmodel.safetensors\n"
        "commit " + "a" * 40 + "\nparents \nauthor system <x@y>\nauthor_date 2024-01-01T00:00:00+00:00\n"
        "committer system <x@y>\ncommit_date 2024-01-01T00:00:00+00:00\nmessage:\ninitial commit\n--\n\n"
        ":000000 100644 " + "0" * 40 + " " + "3" * 40 + " A\t.gitattributes\n"
    )
    parsed = parse_gitlog(log)
    assert [c.id[0] for c in parsed] == ["b", "a"]
    assert parsed[0].changes == [("M", "1" * 40, "2" * 40, "model.safetensors")]
    (tmp_path / "acme__tiny.gitlog_raw.txt").write_text(log, encoding="utf-8")
    line = next(import_git(tmp_path))
    assert line["id"] == "acme/tiny"
    assert [c["title"] for c in line["commits"]] == ["initial commit", "Update weights"]
    assert line["commits"][1]["message"] == "retrained"
    assert line["commits"][1]["date"] == "2024-01-01T23:00:00.000Z"
    with pytest.raises(HfauditError):
        list(import_git(tmp_path / "missing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HfauditError):
        list(import_git(empty))
