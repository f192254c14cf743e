"""Lineage against real model trees (../shared/reference): imported, served, crawled and analysed.

A subset of the tree files keeps this fast; ``python -m hfaudit.lab.lineage_eval trees DIR`` runs the
whole set (figures in docs/lineage.md). Skips when the reference data is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hfaudit.lab.lineage_eval import run_trees

TREES = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "real-data" / "oderinwale-model-trees"
SUBSET = (
    "Llama-2-7b_finetunes_20250422_201036.csv",
    "bloom_finetunes_20250422_180448.csv",
    "stable-diffusion-3-medium_finetunes_20250422_201036.csv",
)

pytestmark = pytest.mark.skipif(
    not all((TREES / name).is_file() for name in SUBSET), reason="reference model trees not available"
)


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("trees")
    for name in SUBSET:
        (directory / name).symlink_to((TREES / name).resolve())
    return directory


def test_published_relations_agree_with_the_hub_lists(subset: Path, tmp_path: Path) -> None:
    score = run_trees(subset, tmp_path, strip_relations=False)
    assert score["pairs"] > 150
    assert score["agreement"] >= 0.98, score
    assert score["finetune_mislabel_rate"] <= 0.05, score
    # Declared fine-tunes whose files show an adapter keep the declaration and are flagged.
    assert score["finetune_adapter_files"] >= 10, score  # 13 in these three trees
    assert score["finetune_adapter_files_flagged"] == score["finetune_adapter_files"], score


def test_stripped_relations_are_inferred(subset: Path, tmp_path: Path) -> None:
    score = run_trees(subset, tmp_path, strip_relations=True)
    assert score["edge_recall"] >= 0.98, score
    assert score["quantized_recall"] >= 0.85, score
    # No more than 5% of the fine-tunes the Hub lists (with their files and cards) get another relation.
    # That includes repositories holding only adapter files under a non-PEFT library: the Hub lists
    # them as fine-tunes, so does hfaudit ...
    assert score["finetune_mislabel_rate"] <= 0.05, score
    assert score["finetune_adapter_files"] >= 10, score  # 13 in these three trees
    # ... and every one of them it does not call an adapter is flagged as a relation_mismatch.
    assert score["finetune_adapter_files_flagged"] == (
        score["finetune_adapter_files"] - score["finetune_adapter_files_given_adapter"]
    ), score
