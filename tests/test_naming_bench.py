"""The naming benchmark entry point (``run_bench``), on generated ids so that it runs anywhere."""

from __future__ import annotations

import json
from pathlib import Path

from hfaudit.lab.naming_bench import run_bench


def test_run_bench_without_reference_times_generated_ids(tmp_path: Path) -> None:
    result = run_bench(tmp_path, runs=1, reference=tmp_path / "absent.csv")
    assert result["source"] == "generated"
    assert result["skipped"]
    assert result["meets_target"] is None
    assert isinstance(result["names"], int) and result["names"] > 1000
    for key in ("parse_name_per_second", "parse_name_warm_per_second", "paper_regex_per_second"):
        assert int(result[key]) > 0  # type: ignore[call-overload]
    written = json.loads((tmp_path / "naming.json").read_text(encoding="utf-8"))
    assert written == result
    md = (tmp_path / "naming.md").read_text(encoding="utf-8")
    assert md.startswith("# Naming benchmark") and "| `parse_name` (cold caches) |" in md
