"""The release analyser against the generator's ground truth: a 120-model registry and its next
snapshot are served, crawled and analysed; replacements and documented-vs-silent must reach 0.95."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from hfaudit.analyse import ANALYSERS
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.generate import evolve, generate
from hfaudit.fakehub.registry import write_models
from hfaudit.lab.releases_eval import score

pytest.importorskip("hfaudit.fakehub.server")
from hfaudit.fakehub.server import start_server  # noqa: E402

MODELS, SEED = 120, 3


def analyse_releases(db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        for name, analyser in ANALYSERS:
            if name in ("naming", "releases"):
                analyser(con)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("truth")
    lines, truths = generate(MODELS, SEED)
    lines2, truths2 = evolve(lines, SEED + 1, truths)
    db = tmp / "h.duckdb"
    for i, registry_lines in enumerate((lines, lines2)):
        path = tmp / f"registry{i}.jsonl"
        write_models(path, registry_lines)
        with start_server(path, port=0) as server:
            crawl(str(db), server.url, Scope(), concurrency=8)
        if i == 0:
            analyse_releases(db)
            with duckdb.connect(str(db), read_only=True) as con:
                first = score(con, truths)
    analyse_releases(db)
    with duckdb.connect(str(db), read_only=True) as con:
        second = score(con, truths2)
    return {"db": db, "first": first, "second": second, "truths2": truths2}


@pytest.mark.parametrize("snapshot", ["first", "second"])
def test_in_place_replacements_precision_and_recall(crawled: dict[str, Any], snapshot: str) -> None:
    s = crawled[snapshot]
    assert s["missing_events"] == 0 and s["extra_events"] == 0
    assert s["replacements"]["tp"] > 300
    assert s["replacements"]["precision"] >= 0.95 and s["replacements"]["recall"] >= 0.95


@pytest.mark.parametrize("snapshot", ["first", "second"])
def test_documented_versus_silent(crawled: dict[str, Any], snapshot: str) -> None:
    s = crawled[snapshot]
    assert s["documented"]["tp"] > 100 and s["silent"]["tp"] > 100
    for side in ("documented", "silent"):
        assert s[side]["precision"] >= 0.95 and s[side]["recall"] >= 0.95, (side, s[side])


def test_each_signal_and_the_change_kinds(crawled: dict[str, Any]) -> None:
    s = crawled["second"]
    for signal in ("tag", "readme_changelog", "commit_message", "card_version"):
        assert s["signals"][signal]["tp"] > 5, signal
        assert s["signals"][signal]["recall"] >= 0.95, (signal, s["signals"][signal])
        assert s["signals"][signal]["precision"] >= 0.9, (signal, s["signals"][signal])
    assert s["kind_agreement"] >= 0.98
    assert s["kinds"].get("converted->converted", 0) > 0


def test_card_states_against_the_truth_card_style(crawled: dict[str, Any]) -> None:
    s = crawled["second"]
    assert s["card_state_agreement"] >= 0.98
    assert {k.split("->")[0] for k in s["card_states"]} >= {"none", "template", "metadata", "plain", "unparseable"}


def test_one_transparency_row_per_model_and_snapshot(crawled: dict[str, Any]) -> None:
    with duckdb.connect(str(crawled["db"]), read_only=True) as con:
        per = con.execute(
            "select snapshot_id, count(*), count(distinct model_id) from transparency group by 1 order by 1"
        ).fetchall()
        seen = con.execute(
            "select snapshot_id, count(*) from model_snapshots where status in ('crawled', 'unchanged') group by 1 order by 1"
        ).fetchall()
    assert [(s, n) for s, n, _ in per] == seen
    assert all(n == d for _, n, d in per)
