"""``hfaudit.lab.silver_eval``: the held-out-style checks on Jiang et al.'s machine-made labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfaudit.analyse.naming import parse_name
from hfaudit.lab.silver_eval import (
    ELEMENT_SETS,
    class_bits,
    half_of,
    score_class_bits,
    score_components,
    silver_bits,
    silver_section,
)

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def _pairs(model_id: str) -> list[list[str]]:
    return parse_name(model_id).segment_pairs()


def test_halves_are_fixed_by_the_id_and_both_used() -> None:
    ids = [f"o/m{i}" for i in range(100)]
    halves = [half_of(m) for m in ids]
    assert halves == [half_of(m) for m in ids]
    assert set(halves) == {"tune", "report"}


def test_cohesion_separation_and_typing() -> None:
    by_name = {
        "TheBloke/Mistral-7B-Instruct-v0.2-GGUF": [
            ("Mistral", "A"), ("7B", "S"), ("Instruct", "T"), ("v0.2", "V"), ("GGUF", "W"),
        ],
        # A split the parser gets wrong on purpose of the test: one segment holds a size and a task.
        "x/foo-large-turbo": [("large", "S"), ("turbo", "T")],
        "x/bar-baz": [("qux", "D")],  # not in the name: counted apart, never scored
    }  # fmt: skip
    s = score_components(by_name, _pairs)
    assert s["components"] == 7 and s["not_found_in_name"] == 1
    assert s["cohesion"] == 1.0
    # Mistral|7B, 7B|Instruct, Instruct|v0.2, v0.2|GGUF kept apart; large|turbo merged (`large-turbo`).
    assert (s["separation_pairs"], s["separation"]) == (5, 0.8)
    assert s["by_category"]["W"] == 1.0 and s["by_category"]["S"] == 1.0
    assert s["by_category"]["T"] == 0.5  # Instruct is a mechanism (agrees), turbo sits in a size segment


def test_two_bits_of_a_jiang_class() -> None:
    assert class_bits("IA") == (True, True) and class_bits("I") == (True, False)
    assert class_bits("T") == (False, True) and class_bits("O") == (False, False)
    assert silver_bits(frozenset({"A", "S"})) == (True, False)
    assert silver_bits(frozenset({"L"})) == (False, True)
    sets = {"x/bert-base-chinese": frozenset({"A", "S", "L"}), "x/xoakkeyy": frozenset({"A"})}
    s = score_class_bits(sets, lambda m: parse_name(m).jiang_class)
    assert s == {"names": 2, "implementation_bit": 0.5, "purpose_bit": 1.0, "both_bits": 0.5}


def test_missing_corpora_are_skipped_with_the_reason(tmp_path: Path) -> None:
    out = silver_section(tmp_path, {"hfaudit": (_pairs, None)})
    assert out["components"]["skipped"].startswith("no component corpus at")
    assert out["class_bits"]["skipped"].startswith("no element sets at")


def test_curated_examples_are_left_out_of_the_element_sets() -> None:
    if not (REFERENCE / ELEMENT_SETS).is_file():
        pytest.skip("../shared/reference not present")
    data = json.loads((REFERENCE / ELEMENT_SETS).read_text(encoding="utf-8"))
    curated = ["bangla-bert"]
    assert any(k.endswith("/bangla-bert") for k in data)
    out = silver_section(REFERENCE, {"hfaudit": (_pairs, lambda m: parse_name(m).jiang_class)}, curated=curated)
    bits = out["class_bits"]["systems"]["hfaudit"]
    assert bits["tune"]["names"] + bits["report"]["names"] == len(data) - 1
    assert bits["report"]["both_bits"] > 0.6
