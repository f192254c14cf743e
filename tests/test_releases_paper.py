"""Paper mode: the study's extension categories and weight-file counts from its own CSVs, the
Fisher exact tests of §6.3 and §6.5, and the ``hfaudit paper releases`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hfaudit.analyse.releases.paper import (
    category_shares,
    extension,
    paper_category,
    read_extension_table,
    read_weight_file_table,
    repeat_weight_files,
    weight_extension_counts,
)
from hfaudit.analyse.releases.stats import bonferroni, fisher_exact
from hfaudit.cli import app
from hfaudit.errors import HfauditError

STUDY = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "paper-replication"
EXTENSIONS = STUDY / "RQ1_results" / "file_extension_and_frequencies.csv"
WEIGHT_FILES = STUDY / "dataset_folder" / "model_weight_file_changed.csv"
needs_study = pytest.mark.skipif(not EXTENSIONS.is_file(), reason="../shared/reference is not available")


@needs_study
def test_extension_table_gives_the_study_category_shares() -> None:
    shares = {s.category: (s.changes, s.share_pct) for s in category_shares(read_extension_table(EXTENSIONS))}
    assert shares == {
        "Model Files": (524_419, 40.88),
        "Data & Configuration": (435_489, 33.95),
        "Other": (177_353, 13.82),
        "Documentation": (136_735, 10.66),
        "Code": (8_878, 0.69),
    }
    assert sum(c for c, _ in shares.values()) == 1_282_874
    # 40.878…% truncates to the 40.87% the paper reports
    assert int(524_419 / 1_282_874 * 10_000) / 100 == 40.87


@needs_study
def test_the_eleven_weight_extensions() -> None:
    counts = weight_extension_counts(read_extension_table(EXTENSIONS))
    assert counts == {
        ".safetensors": 328_446, ".bin": 121_478, ".pt": 52_225, ".model": 21_014, ".onnx": 1_054, ".meta": 77,
        ".tflite": 53, ".mlmodel": 36, ".ckpt": 23, ".mdl": 7, ".pb": 6,
    }


@needs_study
def test_weight_files_changed_at_least_twice() -> None:
    repeat = repeat_weight_files(read_weight_file_table(WEIGHT_FILES))
    assert (repeat.files, repeat.models, repeat.changes, repeat.max_changes) == (30_784, 16_271, 377_499, 3_158)
    assert repeat.by_extension == {".safetensors": 18_013, ".bin": 10_809, ".pt": 1_251, ".pth": 622, ".h5": 87, ".safetensorsx": 1, ".safetensor": 1}


def test_categories_of_paths() -> None:
    assert extension("model-00001-of-00002.safetensors") == ".safetensors"
    assert extension("pytorch_model.bin.0") == ".0"
    assert extension("LICENSE") is None
    assert paper_category("x/model.gguf") == "Data & Configuration"  # the study's choice
    assert paper_category("tokenizer.model") == "Model Files"
    assert paper_category("tf_model.h5") == "Other"
    assert paper_category(".pt") == "Model Files"
    assert repeat_weight_files([("a/b", "model.gguf", 5), ("a/b", "x.bin", 1), ("a/b", "y.bin", 2)]).files == 1


def test_fisher_exact_reproduces_the_study_tests() -> None:
    # §6.3: [[changed_major, changed_minor], [same_major, same_minor]]
    base = fisher_exact(((19, 0), (122, 100)))
    assert base.odds_ratio == float("inf") and base.p_value == pytest.approx(3.17e-05, rel=1e-2)
    weights = fisher_exact(((95, 48), (46, 52)))
    assert weights.odds_ratio == pytest.approx(2.24, abs=0.01) and weights.p_value == pytest.approx(0.00335, rel=1e-2)
    assert fisher_exact(((71, 40), (70, 60))).p_value == pytest.approx(0.118, abs=1e-3)
    assert fisher_exact(((96, 75), (45, 25))).p_value == pytest.approx(0.254, abs=1e-3)
    assert fisher_exact(((100, 80), (41, 20))).p_value == pytest.approx(0.133, abs=1e-3)
    # §6.5: per category, then Bonferroni over nine tests (License stays significant)
    major, minor = [36, 12, 5, 20, 40, 8, 2, 4, 17], [5, 8, 8, 1, 3, 3, 0, 1, 10]
    raw = [fisher_exact(((a, 144 - a), (b, 39 - b))).p_value for a, b in zip(major, minor, strict=True)]
    assert raw[2] == pytest.approx(0.00125, rel=2e-2)
    assert bonferroni(raw)[2] == pytest.approx(0.0113, rel=2e-2)
    assert fisher_exact(((0, 0), (3, 4))).p_value == 1.0


@needs_study
def test_paper_releases_command_on_the_study_tables() -> None:
    result = CliRunner().invoke(
        app, ["paper", "releases", "--extensions", str(EXTENSIONS), "--weight-files", str(WEIGHT_FILES), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["study_tables"]["file_changes"] == 1_282_874
    assert out["study_tables"]["repeat_weight_files"]["files"] == 30_784


def test_paper_releases_command_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (
        ["paper", "releases"],
        ["paper", "releases", "--db", str(tmp_path / "none.duckdb")],
        ["paper", "releases", "--extensions", str(tmp_path / "none.csv")],
        ["paper", "releases", "--extensions", str(tmp_path / "none.csv"), "--format", "xml"],
    ):
        result = runner.invoke(app, args)
        assert isinstance(result.exception, HfauditError) and result.exception.code == 2, args


def test_fisher_exact_in_log_space_equals_the_exact_sum_and_takes_a_large_store() -> None:
    """The p-value sums hypergeometric probabilities in log space; on random tables it equals the
    sum in exact integers, and a table of a 1M-model store's margins (tens of thousands of pairs,
    which took minutes in integers) is read in well under a second of work."""
    import math
    import random

    def exact(a: int, b: int, c: int, d: int) -> float:
        row1, col1, n = a + b, a + c, a + b + c + d
        total = math.comb(n, col1)
        probs = [math.comb(row1, x) * math.comb(n - row1, col1 - x) / total
                 for x in range(max(0, col1 - (n - row1)), min(row1, col1) + 1)]  # fmt: skip
        observed = math.comb(row1, a) * math.comb(n - row1, col1 - a) / total
        return min(1.0, sum(q for q in probs if q <= observed * (1 + 1e-7)))

    rng = random.Random(4)
    for _ in range(200):
        a, b, c, d = (rng.randrange(0, 60) for _ in range(4))
        if min(a + b, c + d, a + c, b + d) == 0:
            continue
        assert fisher_exact(((a, b), (c, d))).p_value == pytest.approx(exact(a, b, c, d), rel=1e-9, abs=1e-300)
    big = fisher_exact(((30_000, 12_000), (15_000, 8_000)))
    assert 0 < big.p_value < 1e-50 and big.odds_ratio == pytest.approx(4 / 3)
