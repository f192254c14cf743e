"""Paper mode reproduces the study's naming figures exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hfaudit.analyse.naming.paper import (
    paper_naming_measures,
    paper_variant,
    paper_version,
    paper_version_group,
)

IDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "paper-replication" / "RQ2_result" / "all_NLP_with_quantization.csv"


def test_regex_is_the_studys() -> None:
    assert paper_version("a/x-v1") == "v1"
    assert paper_version("a/x_v0.1") == "v0.1"
    assert paper_version("a/x-V2") is None  # case-sensitive
    assert paper_version("a/x-v1.0.0") is None  # anchored, one dot at most
    assert paper_version("a/x-v1-GGUF") is None  # anchored at the end
    assert paper_version_group("v12") == "major"
    assert paper_version_group("v1.5") == "minor"
    assert paper_version_group(None) is None


def test_keywords_are_the_studys() -> None:
    assert paper_variant("a/llama-7b-q8_0") == "quantized"  # substring match inside a part
    assert paper_variant("a/x-GGUF") == "none"  # not a keyword
    assert paper_variant("a/x-GPTQ") == "quantized"  # through the substring "ptq"
    assert paper_variant("a/bert-distilled") == "distilled"
    assert paper_variant("a/pythia-70m-deduped") == "deduplicated"
    assert paper_variant("a/bert_ft") == "finetuned"
    assert paper_variant("a/x-awq-distilled") == "quantized"  # priority


def test_reproduces_the_study_on_its_52227_ids() -> None:
    if not IDS.is_file():
        pytest.skip("study ids not present (../shared/reference)")
    with IDS.open(encoding="utf-8") as f:
        ids = [r["model_name"] for r in csv.DictReader(f)]
    m = paper_naming_measures(ids).as_dict()
    assert m["total_models"] == 52_227
    assert (m["major_models"], m["minor_models"]) == (2_329, 1_142)
    assert (m["major_owners"], m["minor_owners"]) == (857, 395)
    assert (m["major_version_strings"], m["minor_version_strings"]) == (46, 101)
    assert m["variants"] == {
        "quantized": 3_502,
        "distilled": 93,
        "deduplicated": 80,
        "finetuned": 5_034,
        "none": 43_518,
    }
