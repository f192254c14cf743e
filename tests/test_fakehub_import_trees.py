"""import-trees replays real ModelInfo records; real card fixtures load through ModelCard.load."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi, ModelCard

from hfaudit.fakehub.app import FakeHub
from hfaudit.fakehub.import_trees import build_registry, import_trees, parse_siblings
from hfaudit.fakehub.registry import Model, Registry
from hfaudit.fakehub.server import start_server
from hfaudit.fakehub.transport import FAKE_ENDPOINT, use_fakehub
from tests import fakehub_support as fs

BLOOM = "bloom_finetunes_20250422_180448.csv"


@pytest.fixture(autouse=True)
def sealed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fs.seal(monkeypatch, tmp_path, FAKE_ENDPOINT)


def bloom_rows() -> list[dict[str, str]]:
    if not (fs.TREES / BLOOM).is_file():
        pytest.skip("reference/real-data/oderinwale-model-trees is not available")
    csv.field_size_limit(sys.maxsize)
    with (fs.TREES / BLOOM).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_parse_siblings_reprs() -> None:
    items = ["RepoSibling(rfilename='a b.bin', size=None, blob_id=None, lfs=None)",
             "RepoSibling(rfilename=\"it's.txt\", size=12, blob_id='x', lfs=None)"]  # fmt: skip
    assert parse_siblings(items) == [("a b.bin", None, None), ("it's.txt", 12, None)]


def test_real_model_info_served_back_field_for_field(tmp_path: Path) -> None:
    rows = bloom_rows()
    out = tmp_path / "trees.jsonl"
    bloom_dir = tmp_path / "in"
    bloom_dir.mkdir()
    (bloom_dir / BLOOM).write_bytes((fs.TREES / BLOOM).read_bytes())
    assert import_trees(bloom_dir, out, keep_ids=True) >= len(rows)
    compared = 0
    with use_fakehub(FakeHub(out)):
        api = HfApi(endpoint=FAKE_ENDPOINT, token=False)
        for row in rows:
            meta = json.loads(row["metadata"])
            info = api.model_info(meta["id"])
            for key in ("id", "author", "sha", "private", "gated", "disabled", "downloads", "likes", "library_name",
                        "tags", "pipeline_tag", "config", "spaces", "widget_data", "mask_token"):  # fmt: skip
                assert getattr(info, key) == meta.get(key), (meta["id"], key)
            assert (
                str(info.last_modified) == meta["last_modified"]
                and str(info.created_at) == meta["created_at"]
            )
            assert (
                info.transformers_info is None
                or info.transformers_info.auto_model == meta["transformers_info"]["auto_model"]
            )
            recorded = sorted(s.split("'")[1] for s in meta["siblings"])
            assert [s.rfilename for s in info.siblings or []] == recorded
            compared += 1
        counts = api.model_info("bigscience/bloom", expand=["childrenModelCount"]).children_model_count
    assert compared == len(rows)
    assert counts == {"adapter": 0, "merge": 2, "quantized": 2, "finetune": 2}


def test_default_import_derives_git_ids_and_keeps_the_recorded_sha(tmp_path: Path) -> None:
    from hfaudit.fakehub.registry import git_problem, read_models

    rows = bloom_rows()  # skips when the reference trees are absent, before the copy below reads them
    bloom_dir = tmp_path / "in"
    bloom_dir.mkdir()
    (bloom_dir / BLOOM).write_bytes((fs.TREES / BLOOM).read_bytes())
    out = tmp_path / "trees.jsonl"
    import_trees(bloom_dir, out)
    recorded = {json.loads(r["metadata"])["id"]: json.loads(r["metadata"])["sha"] for r in rows}
    models = {m.id: m for m in read_models(out)}
    for mid, sha in recorded.items():
        model = models[mid]
        assert git_problem(model.raw) is None
        assert model.head != sha and model.commits[-1]["upstream_id"] == sha
    kept = tmp_path / "kept.jsonl"
    import_trees(bloom_dir, kept, keep_ids=True)
    assert {m.id: m.head for m in read_models(kept) if m.id in recorded} == recorded
    assert all(git_problem(m.raw) is not None for m in read_models(kept) if m.id in recorded)


def test_list_only_children_get_minimal_cards_and_strip_relations() -> None:
    rows = bloom_rows()
    lines = {line["id"]: line for line in build_registry(rows)}
    quant = lines["mradermacher/bloom-i1-GGUF"]
    readme = quant["commits"][-1]["changes"][-1]["content"]
    assert "base_model: bigscience/bloom" in readme and "base_model_relation: quantized" in readme
    assert "base_model:quantized:bigscience/bloom" in quant["tags"]
    stripped = Registry(Model(line) for line in build_registry(rows, strip_relations=True))
    hub = FakeHub(stripped)
    body = hub.handle("GET", "/api/models/mradermacher/bloom-i1-GGUF", [], {}).json()
    assert "base_model:bigscience/bloom" in body["tags"]
    assert not any(t.startswith("base_model:quantized:") for t in body["tags"])
    assert "base_model_relation" not in body["cardData"]
    child = hub.handle("GET", "/api/models/12sebas/new_jar", [], {}).json()
    assert not any(t.startswith("base_model:finetune:") for t in child["tags"])


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("hfhub-fixture-sample_windows_line_breaks.md", "crlf"),
        ("hfhub-fixture-sample_no_metadata.md", "empty"),
        ("hfhub-fixture-sample_invalid_card_data.md", "invalid"),
        ("hfhub-fixture-sample_simple.md", "dict"),
    ],
)
def test_card_fixtures_served_as_readme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: str, expected: str
) -> None:
    path = fs.SAMPLES / "cards" / fixture
    if not path.is_file():
        pytest.skip("reference card fixtures are not available")
    content = path.read_bytes().decode("utf-8")
    line = {
        "id": "acme/card",
        "commits": [fs.commit("acme/card", 0, "card", [fs.text("README.md", content)])],
    }
    registry_path = fs.write_registry(tmp_path / "r.jsonl", [line])
    with start_server(registry_path) as server:
        fs.seal(monkeypatch, tmp_path, server.url)
        info = HfApi(endpoint=server.url, token=False).model_info("acme/card")
        if expected == "invalid":
            with pytest.raises(ValueError, match="metadata block should be a dict"):
                ModelCard.load("acme/card")
            assert info.card_data is None
            return
        card = ModelCard.load("acme/card")
    assert content.endswith(card.text)
    if expected == "empty":
        assert card.data.to_dict() == {} and info.card_data is None
    else:
        assert card.data.to_dict() == info.card_data.to_dict() != {}
    if expected == "crlf":
        assert "\r\n" in card.text and card.data.to_dict() != {}
