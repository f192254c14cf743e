"""``python -m hfaudit.lab.evaluate``: folds, scores, baselines and the report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfaudit.lab.evaluate import cross_validate, fold_of, keyword_jiang, keyword_types, main, score_types

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def test_folds_are_fixed_by_the_id() -> None:
    ids = [f"owner/model-{i}" for i in range(200)]
    folds = [fold_of(m, 5) for m in ids]
    assert folds == [fold_of(m, 5) for m in ids]
    assert set(folds) == {0, 1, 2, 3, 4}


def test_cross_validation_freezes_a_system_per_fold_and_pools() -> None:
    pairs = [(f"o/m{i}", "{identifier}" if i % 2 else "{identifier}{version}") for i in range(40)]
    made = []

    def make():  # type: ignore[no-untyped-def]
        made.append(1)
        return lambda m: ["identifier"]

    cv = cross_validate(pairs, make, 4)
    assert len(made) == 4 and cv["folds"] == 4 and len(cv["per_fold"]) == 4
    assert cv["pooled"]["names"] == 40
    assert cv["pooled"]["convention_exact"] == 0.5  # right on the 20 one-segment names
    assert score_types(pairs, lambda m: ["identifier"])["type_precision"] == 1.0


@pytest.mark.parametrize(
    ("model_id", "types"),
    [
        ("TheBloke/Llama-2-7B-GGUF", ["base-model", "identifier", "size", "training-mechanism"]),  # no absorption
        ("x/bert-base-uncased", ["base-model", "size", "identifier"]),
        ("x/distilbert-finetuned-squad-v2", ["base-model", "variant-type", "task", "version"]),
    ],
)
def test_keyword_baseline(model_id: str, types: list[str]) -> None:
    assert keyword_types(model_id) == types


def test_keyword_jiang() -> None:
    assert keyword_jiang("bert-base-chinese") == "IA"
    assert keyword_jiang("sentiment") == "T"
    assert keyword_jiang("xoakkeyy") == "O"


def test_report_without_crawls(tmp_path: Path) -> None:
    out = tmp_path / "ev"
    assert main(["--out", str(out), "--no-crawl", "--no-trees", "--reference", str(tmp_path / "none")]) == 0
    doc = json.loads((out / "evaluate.json").read_text(encoding="utf-8"))
    assert doc["naming"]["skipped"].startswith("no labels at")
    assert doc["crawl"] == {"skipped": "--no-crawl"}
    md = (out / "evaluate.md").read_text(encoding="utf-8")
    assert "Skipped: no labels at" in md and "Skipped: --no-trees." in md


def test_report_on_the_reference(tmp_path: Path) -> None:
    if not (REFERENCE / "paper-replication").is_dir():
        pytest.skip("../shared/reference not present")
    out = tmp_path / "ev"
    assert main(["--out", str(out), "--no-crawl", "--no-trees", "--reference", str(REFERENCE)]) == 0
    doc = json.loads((out / "evaluate.json").read_text(encoding="utf-8"))
    systems = doc["naming"]["systems"]
    assert doc["naming"]["names"] == 195
    assert {"hfaudit", "keyword baseline", "study regex"} <= set(systems)
    ours, kw = systems["hfaudit"]["pooled"], systems["keyword baseline"]["pooled"]
    assert ours["convention_exact"] > kw["convention_exact"] and ours["type_f1"] > kw["type_f1"]
    assert doc["jiang"]["names"] == 225
    assert doc["jiang"]["systems"]["hfaudit"]["agreement"] >= 0.70
    comps = doc["silver"]["components"]["systems"]["hfaudit"]
    assert comps["report"]["components"] > 10_000 and comps["tune"]["components"] > 10_000
    assert doc["silver"]["class_bits"]["systems"]["hfaudit"]["report"]["names"] > 5_000
    assert "| hfaudit |" in (out / "evaluate.md").read_text(encoding="utf-8")


def test_the_baseline_parsers_load_from_either_layout() -> None:
    import subprocess

    from hfaudit.lab.evaluate import PREVIOUS_PARSER, ROOT, ROUND_START, baseline_parsers

    have = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{PREVIOUS_PARSER}^{{commit}}"], capture_output=True)
    if have.returncode != 0:
        pytest.skip("not a git checkout with the previous release's commit")
    loaded = baseline_parsers()
    for label, rev in (("previous parser", PREVIOUS_PARSER), ("round start", ROUND_START)):
        module, note = loaded[label]
        assert module is not None, note
        assert rev in note
        assert [s.type for s in module.parse_name("x/bert-base-uncased").segments] == ["base-model"]
