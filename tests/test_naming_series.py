"""Version series, the CLI commands and the store tables."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
from typer.testing import CliRunner

from hfaudit.analyse.naming.series import build_series, predecessor_rates
from hfaudit.analyse.naming.tables import build_naming_tables
from hfaudit.cli import app


def test_series_same_owner_with_unversioned_start_gap_and_regression() -> None:
    models = pd.DataFrame(
        {
            "model_id": ["s/T5_base_title", "s/T5_base_title_v2", "s/T5_base_title_v4", "s/other", "s/T5_base_title_v3"],
            "created_at": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01", "2024-04-01"],
        }
    )
    s = build_series(models)
    assert list(s["model_id"]) == ["s/T5_base_title", "s/T5_base_title_v2", "s/T5_base_title_v3", "s/T5_base_title_v4"]
    assert list(s["position"]) == [1, 2, 3, 4]
    assert list(s["predecessor_id"].fillna("")) == ["", "s/T5_base_title", "s/T5_base_title_v2", "s/T5_base_title_v3"]
    assert list(s["regression"]) == [False, False, False, True]  # v4 is older than v3
    assert not s["gap"].any()
    gapped = build_series(pd.DataFrame({"model_id": ["o/m-v1", "o/m-v3", "o/n-v1.1", "o/n-v1.3"]}))
    assert list(gapped["gap"]) == [False, True, False, True]


def test_series_across_owners_by_declared_base_and_stem() -> None:
    models = pd.DataFrame(
        {
            "model_id": ["up/SOLAR-10.7B-v1.0", "re/SOLAR-10.7B-v1.1", "x/Other-v2"],
            "card_base_models": [None, ["up/SOLAR-10.7B-v1.0"], None],
        }
    )
    s = build_series(models).set_index("model_id")
    assert s.loc["re/SOLAR-10.7B-v1.1", "predecessor_id"] == "up/SOLAR-10.7B-v1.0"
    assert not s.loc["re/SOLAR-10.7B-v1.1", "predecessor_owner_match"]
    assert pd.isna(s.loc["x/Other-v2", "predecessor_id"])
    rates = predecessor_rates(build_series(models))
    assert rates["minor"]["with_predecessor"] == 1


def _ids_file(tmp_path: Path) -> Path:
    f = tmp_path / "ids.txt"
    f.write_text("TheBloke/Mistral-7B-Instruct-v0.2-GPTQ\nSwarnava/T5_base_title_v2\n", encoding="utf-8")
    return f


def test_names_command_csv_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["names", "--input", str(_ids_file(tmp_path)), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows[0]["model_id"] == "TheBloke/Mistral-7B-Instruct-v0.2-GPTQ"
    assert rows[0]["version_scheme"] == "minor" and rows[0]["quant_format"] == "GPTQ"
    assert rows[0]["size_params"] == 7_000_000_000 and rows[0]["family"] == "mistral"
    res = runner.invoke(app, ["names", "--input", str(_ids_file(tmp_path)), "--format", "csv"])
    header = res.output.splitlines()[0].split(",")
    assert header[:9] == [
        "model_id", "convention", "segments", "version_raw", "version_scheme", "version_key",
        "size_params", "quant_format", "family",
    ]


def test_paper_naming_command_json(tmp_path: Path) -> None:
    f = tmp_path / "ids.csv"
    f.write_text("model_name\na/x-v1\nb/y_v0.1\nb/z-4bit\nc/d\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["paper", "naming", "--input", str(f), "--column", "model_name", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert (doc["major_models"], doc["minor_models"], doc["major_owners"], doc["minor_owners"]) == (1, 1, 1, 1)
    assert (doc["major_version_strings"], doc["minor_version_strings"]) == (1, 1)
    assert doc["variants"]["quantized"] == 1 and doc["variants"]["none"] == 3


def test_errors_are_one_line_with_code_2(tmp_path: Path) -> None:
    from hfaudit.cli.names import read_ids
    from hfaudit.errors import HfauditError

    f = tmp_path / "ids.csv"
    f.write_text("model_name\na/x\n", encoding="utf-8")
    for path, column in ((tmp_path / "missing.txt", None), (f, "nope")):
        try:
            read_ids(path, column)
        except HfauditError as exc:
            assert exc.code == 2 and "\n" not in str(exc)
        else:
            raise AssertionError("expected HfauditError")


def test_store_tables() -> None:
    con = duckdb.connect()
    con.execute(
        "create table models (model_id varchar, author varchar, card_base_models varchar[], config_model_type varchar)"
    )
    con.execute(
        "insert into models values ('a/foo-v1', 'a', null, 'zorblax'), ('a/foo-v2', 'a', ['a/foo-v1'], 'zorblax'),"
        " ('b/Quux-Nine-7B-ft', 'b', ['org/Quux-Nine'], null)"
    )
    build_naming_tables(con)
    build_naming_tables(con)  # rebuilds, no duplicates
    naming = con.execute("select model_id, convention, segments, version_key from naming order by model_id").fetchall()
    assert [r[0] for r in naming] == ["a/foo-v1", "a/foo-v2", "b/Quux-Nine-7B-ft"]
    assert json.loads(naming[2][2])[0] == ["Quux-Nine", "base-model"]  # learned from the declared base
    series = con.execute("select model_id, position, predecessor_id from version_series order by position").fetchall()
    assert series == [("a/foo-v1", 1, None), ("a/foo-v2", 2, "a/foo-v1")]
    learned = con.execute("select kind, term from naming_vocabulary order by kind, term").fetchall()
    assert ("model_types", "zorblax") in learned and ("base_models", "org/Quux-Nine") in learned
    con.close()


def test_store_has_jiang_class_and_experts() -> None:
    con = duckdb.connect()
    con.execute("create table models (model_id varchar)")
    con.execute("insert into models values ('mistralai/Mixtral-8x7B-v0.1'), ('x/garbage-classification')")
    build_naming_tables(con)
    rows = con.execute("select model_id, size_params, experts, jiang_class from naming order by model_id").fetchall()
    assert rows == [("mistralai/Mixtral-8x7B-v0.1", 7_000_000_000, 8, "I"), ("x/garbage-classification", None, None, "A")]
    types = dict(con.execute("select column_name, data_type from information_schema.columns where table_name = 'naming'").fetchall())
    assert types["experts"] == "INTEGER" and types["jiang_class"] == "VARCHAR"
    con.close()


def test_paper_jiang_command(tmp_path: Path) -> None:
    f = tmp_path / "ids.csv"
    f.write_text("model_name\nbert-base-uncased\ngoogle/gemma-2-9b-it\nx/text-to-image\nx/xoakkeyy\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["paper", "jiang", "--input", str(f), "--column", "model_name", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["names"] == 4
    assert list(doc["classes"]) == ["I", "T", "IT", "A", "IA", "O"]
    assert doc["classes"]["I"] == {"count": 2, "share": 0.5}
    assert doc["classes"]["T"]["count"] == 1 and doc["classes"]["O"]["count"] == 1
    table = runner.invoke(app, ["paper", "jiang", "--input", str(f), "--column", "model_name"])
    assert table.exit_code == 0 and "50.0%" in table.output
    import subprocess
    import sys

    bad = subprocess.run(
        [sys.executable, "-m", "hfaudit", "paper", "jiang", "--input", str(f), "--column", "nope"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and "column 'nope' not in" in bad.stderr and "Traceback" not in bad.stderr


def test_cross_owner_predecessor_by_bisection_equals_a_scan_of_the_stem() -> None:
    """The predecessor under another owner is found by bisection over the stem's sorted versions;
    here against the definition (every model of the stem scanned, the highest lower version, the
    first in the models' order on a tie), on random owners, stems and versions with duplicates."""
    import random

    from hfaudit.analyse.naming import parse_names
    from hfaudit.analyse.naming.series import _cross_owner_predecessor, _Versions

    rng = random.Random(9)
    ids = sorted({f"o{rng.randrange(6)}/{rng.choice(['llama', 'qwen-chat'])}-v{rng.randrange(1, 5)}.{rng.randrange(3)}"
                  for _ in range(400)} | {f"o{k}/llama" for k in range(3)})  # fmt: skip
    rng.shuffle(ids)
    pn = parse_names(ids)
    by_stem: dict[str, list[tuple[str, int]]] = {}
    for i, p in enumerate(pn):
        if p.version_key:
            by_stem.setdefault(p.stem, []).append((p.version_key, i))
    versions = {stem: _Versions(sorted(entries)) for stem, entries in by_stem.items()}

    def scanned(i: int) -> int | None:
        p, best = pn[i], None
        for j, q in enumerate(pn):
            if q.stem != p.stem or q.owner == p.owner or not q.version_key:
                continue
            if q.version_key < (p.version_key or "") and (best is None or q.version_key > (pn[best].version_key or "")):
                best = j
        return best

    found = [_cross_owner_predecessor(i, pn, [], {}, versions) for i in range(len(pn))]
    assert found == [scanned(i) for i in range(len(pn))]
    assert sum(f is not None for f in found) > 50 and any(f is None for f in found)
