"""Release history: weight-change kinds, version signals and transparency, from a crawl of a small
hand-built registry (exact rows) and from the pieces alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from hfaudit.analyse import ANALYSERS
from hfaudit.analyse.releases.events import CommitInfo, FileChange, stem
from hfaudit.analyse.releases.signals import (
    Window,
    descriptive_message,
    is_default_title,
    reads_as_changelog,
)
from hfaudit.analyse.releases.transparency import card_facts, is_template
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.registry import write_models
from hfaudit.fakehub.server import start_server
from tests import registry_builder as rb

CARD = "---\nlicense: mit\ndatasets:\n- acme/corpus\n---\n# widget\n\nA widget model.\n"
CARD_LOG = CARD + "\n## Changelog\n\n- v1.2: retrained for two more epochs\n"
CARD_CITE = CARD_LOG + "\n## Citation\n\nPlease cite the widget paper.\n"
CARD_VERSION = CARD_CITE.replace("license: mit\n", "license: mit\nversion: 1.3.0\n")


def widget() -> dict:
    m = "acme/widget-v1.1"
    c = rb.commit
    commits = [
        c(m, 1, "Upload folder using huggingface_hub", [rb.weight("pytorch_model.bin", 1), rb.text("README.md", CARD), rb.text("config.json", '{"model_type": "llama"}')]),
        c(m, 2, "Upload pytorch_model.bin", [rb.weight("pytorch_model.bin", 2, op="modify")]),
        c(m, 3, "Upload pytorch_model.bin with huggingface_hub", [rb.weight("pytorch_model.bin", 3, op="modify")]),
        c(m, 4, "Update README.md", [rb.text("README.md", CARD_LOG, op="modify")]),
        c(m, 5, "Adding `safetensors` variant of this model", [rb.weight("model.safetensors", 1, size=4090)], author="SFconvertbot"),
        c(m, 6, "Retrain on the cleaned corpus", [rb.weight("pytorch_model.bin", 4, op="modify"), rb.weight("model.safetensors", 2, op="modify")]),
        c(m, 7, "Update README.md", [rb.text("README.md", CARD_CITE, op="modify")]),
        c(m, 8, "Upload tf_model.h5", [rb.weight("tf_model.h5", 1)]),
        c(m, 9, "Delete tf_model.h5", [rb.delete("tf_model.h5")]),
        c(m, 10, "Upload model.safetensors", [rb.weight("model.safetensors", 3, op="modify"), rb.text("README.md", CARD_VERSION, op="modify")]),
    ]
    line = rb.model(m, commits, pipeline_tag="text-generation", library_name="transformers")
    line["refs"] = {"branches": {"main": line["commits"][-1]["id"]}, "tags": {"v2.0": commits[6]["id"]}}
    return line


def trainer() -> dict:
    m = "bob/run-42"
    c = rb.commit
    commits = [
        c(m, 1, "Training in progress, step 500", [rb.weight("model.safetensors", 1), rb.weight("training_args.bin", 1)]),
        c(m, 2, "Training in progress, step 1000", [rb.weight("model.safetensors", 2, op="modify")]),
        c(m, 3, "Upload model-00001-of-00002.safetensors", [rb.weight("model-00001-of-00002.safetensors", 1)], day=4),
        c(m, 4, "Upload model-00002-of-00002.safetensors", [rb.weight("model-00002-of-00002.safetensors", 1)], day=5),
    ]
    return rb.model(m, commits)


def analyse_releases(db: Path) -> None:
    """The analysers this one reads (naming) and this one, as ``hfaudit analyse`` runs them."""
    names = [n for n, _ in ANALYSERS]
    assert names.index("naming") < names.index("releases")
    with duckdb.connect(str(db)) as con:
        for name, analyser in ANALYSERS:
            if name in ("naming", "releases"):
                analyser(con)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("releases")
    registry = tmp / "registry.jsonl"
    write_models(registry, [widget(), trainer()])
    db = tmp / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), changes="matter")
    analyse_releases(db)
    return db


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_weight_change_with_kind_shas_and_signals(store: Path) -> None:
    got = rows(
        store,
        "select position, path, change_kind, old_sha256, new_sha256, old_size, new_size, documented, signals, from_path "
        "from weight_changes where model_id = 'acme/widget-v1.1' order by position, path",
    )
    s = rb.sha256
    assert got == [
        (1, "pytorch_model.bin", "initial", None, s("pytorch_model.bin", 1), None, 4096, True, ["name_version", "readme_edit"], None),
        (2, "pytorch_model.bin", "replaced", s("pytorch_model.bin", 1), s("pytorch_model.bin", 2), 4096, 4096, False, [], None),
        (3, "pytorch_model.bin", "replaced", s("pytorch_model.bin", 2), s("pytorch_model.bin", 3), 4096, 4096, True, ["readme_changelog"], None),
        (5, "model.safetensors", "converted", None, s("model.safetensors", 1), None, 4090, True, ["commit_message"], "pytorch_model.bin"),
        (6, "model.safetensors", "replaced", s("model.safetensors", 1), s("model.safetensors", 2), 4090, 4096, True, ["tag", "commit_message", "readme_edit"], None),
        (6, "pytorch_model.bin", "replaced", s("pytorch_model.bin", 3), s("pytorch_model.bin", 4), 4096, 4096, True, ["tag", "commit_message", "readme_edit"], None),
        (8, "tf_model.h5", "added", None, s("tf_model.h5", 1), None, 4096, False, [], None),
        (9, "tf_model.h5", "deleted", s("tf_model.h5", 1), None, 4096, None, False, [], None),
        (10, "model.safetensors", "replaced", s("model.safetensors", 2), s("model.safetensors", 3), 4096, 4096, True, ["card_version", "readme_edit"], None),
    ]


def test_trainer_pushes_are_silent_and_a_split_sharded_upload_is_not_a_release(store: Path) -> None:
    got = rows(
        store,
        "select position, path, change_kind, documented from weight_changes where model_id = 'bob/run-42' order by position, path",
    )
    assert got == [
        (1, "model.safetensors", "initial", False),  # training_args.bin is not a weight file
        (2, "model.safetensors", "replaced", False),
        (3, "model-00001-of-00002.safetensors", "added", False),
        (4, "model-00002-of-00002.safetensors", "added", False),
    ]


def test_matter_and_all_crawls_give_the_same_events(store: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry.jsonl"
    write_models(registry, [widget(), trainer()])
    db = tmp_path / "all.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), changes="all")
    analyse_releases(db)
    sql = "select model_id, commit_id, path, change_kind, documented, signals from weight_changes order by all"
    assert rows(db, sql) == rows(store, sql)


def test_transparency_at_the_head_of_each_snapshot(store: Path) -> None:
    got = rows(
        store,
        "select model_id, snapshot_id, card_present, card_state, license, datasets, datasets_declared, base_model_declared "
        "from transparency order by model_id",
    )
    assert got == [
        ("acme/widget-v1.1", 1, True, "metadata", "mit", ["acme/corpus"], True, False),
        ("bob/run-42", 1, False, "none", None, [], False, False),
    ]


def test_paper_releases_on_the_store(store: Path) -> None:
    from typer.testing import CliRunner

    from hfaudit.cli import app

    result = CliRunner().invoke(app, ["paper", "releases", "--db", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    measures = json.loads(result.output)["store"]
    weights = measures["weight_share"]
    # 13 weight events for hfaudit; the study counts training_args.bin (.bin) but not tf_model.h5 (Other)
    assert weights["hfaudit_weight_changes"] == 13 and weights["paper_weight_changes"] == 13 + 1 - 2
    assert (weights["replacements"], weights["silent_replacements"]) == (6, 2)
    assert weights["all_commits_diffed"] is False  # crawled with --changes matter
    # pytorch_model.bin, model.safetensors and tf_model.h5 (added, deleted) of the widget, the trainer's model
    assert measures["repeat_weight_files"]["paper_files"] == 4
    assert measures["cards"]["paper_card_present_pct"] == 50.0
    table = CliRunner().invoke(app, ["paper", "releases", "--db", str(store)])
    assert table.exit_code == 0 and "silent in-place replacements" in table.output


# ------------------------------------------------------------------------------------------ pieces


def info(i: int, title: str = "x", minutes: int = 0, authors: tuple[str, ...] = ("a",)) -> CommitInfo:
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i, minutes=minutes)
    return CommitInfo(f"c{i}", i, at, title, "", authors)


def change(i: int, path: str, kind: str, old: str | None, new: str | None, size: int = 100) -> FileChange:
    return FileChange(f"c{i}", path, kind, None, None, old, new, size if old else None, size if new else None)


def sql_events(
    commits: list[CommitInfo],
    changes: list[FileChange],
    readmes: dict[str, str] | None = None,
    window: Window | None = None,
    version: str | None = None,
    successors: tuple[dt.datetime, ...] = (),
) -> list[tuple]:
    """``weight_changes`` (position, path, kind, from_path, signals) of one model whose crawl rows are
    these commits, weight changes and README texts (by commit id), as the analyser's query makes it;
    with ``version``, ``naming`` gives the model's name that version, and each time in ``successors``
    is a repository created then whose ``version_series`` predecessor is the model."""
    from hfaudit.analyse.releases.build import build_weight_changes
    from hfaudit.store import schema

    con = duckdb.connect()
    con.execute(schema.crawl_ddl())
    con.execute("insert into models (model_id, status) values ('m/x', 'crawled')")
    if version is not None:
        con.execute(schema.empty_table_ddl("naming"))
        con.execute("insert into naming (model_id, version_raw) values ('m/x', ?)", [version])
    if successors:
        con.execute(schema.empty_table_ddl("version_series"))
        for i, created in enumerate(successors):
            con.execute("insert into models (model_id, status, created_at) values (?, 'crawled', ?)", [f"m/next-{i}", created])
            con.execute("insert into version_series (series_id, model_id, predecessor_id) values ('s', ?, 'm/x')", [f"m/next-{i}"])
    for c in commits:
        con.execute(
            "insert into commits (model_id, commit_id, committed_at, title, message, authors, position) values ('m/x', ?, ?, ?, ?, ?, ?)",
            [c.commit_id, c.committed_at, c.title, c.message, list(c.authors), c.position],
        )
    for f in changes:
        con.execute(
            "insert into file_changes (model_id, commit_id, path, change_kind, category, old_blob, new_blob, old_sha256, new_sha256,"
            " old_size, new_size) values ('m/x', ?, ?, ?, 'weights', ?, ?, ?, ?, ?, ?)",
            [f.commit_id, f.path, f.change_kind, f.old_blob, f.new_blob, f.old_sha256, f.new_sha256, f.old_size, f.new_size],
        )
    for cid, text in (readmes or {}).items():
        con.execute("insert into file_changes (model_id, commit_id, path, change_kind, category) values ('m/x', ?, 'README.md', 'modified', 'card')", [cid])
        con.execute("insert into card_versions (model_id, commit_id, content, front_matter) values ('m/x', ?, ?, '{}')", [cid, text])
    build_weight_changes(con, window)
    return con.execute("select position, path, change_kind, from_path, signals from weight_changes order by position, path").fetchall()


def test_classify_split_upload_shards_pointer_rewrites_and_conversions() -> None:
    commits = [info(0), info(1), CommitInfo("c2", 2, info(1).committed_at + dt.timedelta(minutes=20), "x", ""), info(3), info(4), info(5)]
    changes = [
        change(1, "model-00001-of-00003.safetensors", "added", None, "a"),
        change(2, "pytorch_model.bin", "added", None, "b", size=1000),  # same upload, 20 minutes later
        change(3, "model-00002-of-00003.safetensors", "added", None, "c"),  # finishes the first release's set
        change(3, "pytorch_model.bin", "modified", "b", "b", size=1000),  # pointer rewrite, same content
        change(4, "model.safetensors", "added", None, "d", size=1010),  # a copy of pytorch_model.bin
        change(5, "extra.safetensors", "added", None, "e"),
        change(5, "model-00003-of-00003.safetensors", "added", None, "f"),  # the set was closed by commit 4
    ]
    events = sql_events(commits, changes)
    assert [(path, kind, source) for _, path, kind, source, _ in events] == [
        ("model-00001-of-00003.safetensors", "initial", None),
        ("pytorch_model.bin", "initial", None),
        ("model-00002-of-00003.safetensors", "initial", None),
        ("model.safetensors", "converted", "pytorch_model.bin"),
        ("extra.safetensors", "added", None),
        ("model-00003-of-00003.safetensors", "added", None),
    ]
    assert stem("pytorch_model-00001-of-00002.bin") == "model-00001-of-00002"
    assert stem("sub/tf_model.h5") == "sub/model"


def test_an_added_safetensors_of_another_size_is_added_unless_the_bot_made_it() -> None:
    changes = [change(1, "pytorch_model.bin", "added", None, "a", size=1000), change(2, "model.safetensors", "added", None, "b", size=500)]
    assert sql_events([info(0), info(1), info(2)], changes)[-1][2] == "added"
    bot = [info(0), info(1), info(2, "Adding `safetensors` variant of this model (#3)")]
    assert sql_events(bot, changes)[-1][2:4] == ("converted", "pytorch_model.bin")
    # the bot converts oddly named checkpoints too: the closest other weight file
    odd = [change(1, "weights/ckpt.pt", "added", None, "a", size=1000), change(2, "model.safetensors", "added", None, "b", size=990)]
    by_bot = [info(0), info(1), info(2, authors=("SFconvertbot",))]
    assert sql_events(by_bot, odd)[-1][2:4] == ("converted", "weights/ckpt.pt")
    assert sql_events([info(0), info(1), info(2)], odd)[-1][2:4] == ("added", None)


@pytest.mark.parametrize("days", [90.0, 15.0, 14.9, 3.0])
def test_successor_repo_marks_each_change_before_a_successor_created_within_the_window(days: float) -> None:
    # an in-place change to a versioned name, followed within the window by a repository of the
    # name's series: each weight row of the commit, once, however many successors qualify
    commits = [info(0), info(10), info(20), info(24), info(40), info(200)]
    changes = [change(0, "model.safetensors", "added", None, "a")]
    changes += [change(i, "model.safetensors", "modified", p, n) for i, p, n in ((10, "a", "b"), (20, "b", "c"), (24, "c", "d"), (40, "d", "e"), (200, "e", "f"))]
    changes.append(change(24, "extra.bin", "added", None, "x"))
    created = (info(25).committed_at, info(30).committed_at, info(30, minutes=1).committed_at)
    events = sql_events(commits, changes, window=Window(days=days), version="v1", successors=created)
    got = [(position, path) for position, path, _, _, signals in events if "successor_repo" in signals]
    # the definition, in Python: not the initial upload, and a successor created at or after the commit
    # and at most ``days`` days after it
    at = {c.position: c.committed_at for c in commits}
    expected = [
        (position, path)
        for position, path, kind, _, _ in events
        if kind != "initial" and any(dt.timedelta(0) <= t - at[position] <= dt.timedelta(days=days) for t in created)
    ]
    assert got == expected and len(events) == 7
    assert len(got) == {90.0: 4, 15.0: 4, 14.9: 3, 3.0: 2}[days]  # 10 (15 days before), 20, 24 twice
    # without a version in the name, or without a successor, no event has the signal
    for kwargs in ({"version": None, "successors": created}, {"version": "v1", "successors": ()}):
        assert not any("successor_repo" in s for *_, s in sql_events(commits, changes, window=Window(days=days), **kwargs))


@pytest.mark.parametrize(
    ("title", "default"),
    [
        ("Upload folder using huggingface_hub", True),
        ("Upload model.safetensors with huggingface_hub", True),
        ("Upload model-00001-of-00003.safetensors", True),
        ("Upload LlamaForCausalLM", True),
        ("Update pytorch_model.bin (#4)", True),
        ("Training in progress, step 1500", True),
        ("Training in progress, epoch 3", True),
        ("initial commit", True),
        ("Upload model", True),
        ("", True),
        ("Update to v2", False),
        ("correct checkpoint", False),
        ("Retrain with cleaned data", False),
        ("add TF model", False),
        ("Adding `safetensors` variant of this model (#2)", False),
    ],
)
def test_default_titles(title: str, default: bool) -> None:
    assert is_default_title(title) is default


def test_a_body_only_counts_when_it_says_more_than_the_title() -> None:
    body = "- Upload model.safetensors (0b036f8c12)\n\nCo-authored-by: Ann <a@b>"
    assert not descriptive_message("Upload model.safetensors (#4)", body)
    assert descriptive_message("Upload model.safetensors", "Fixed the broken attention weights")


def test_changelog_lines_versus_unrelated_edits() -> None:
    base = "# m\n\nFine-tuned from org/Model-7B-v0.1 on data.\n"
    assert reads_as_changelog(base, base + "\n## Changelog\n\n- improved accuracy\n")
    assert reads_as_changelog(base, base + "\nWe released v2.1 with new weights.\n")
    assert reads_as_changelog(base, base + "\n2024-05-01: retrained on more data\n")
    assert not reads_as_changelog(base, base + "\n## Citation\n\nPlease cite us (2).\n")
    assert not reads_as_changelog(None, base)  # a model id with a version is not a release note
    assert not reads_as_changelog(base, base.replace("data", "the data"))


def test_readme_window_goes_back_first_then_forward() -> None:
    """Weight changes at commits 2 and 5; README changes at 3 (one commit after 2), 4 (two after 2,
    one before 5) and 9 (four after 5): 3 belongs to 2, 4 to 5, 9 to none; with a window of two
    commits, 4 belongs to 2 (back first)."""
    commits = [info(i, title="Upload folder using huggingface_hub") for i in range(10)]
    changes = [change(2, "model.safetensors", "added", None, "a"), change(5, "model.safetensors", "modified", "a", "b")]
    base = "# m\n"
    readmes = {"c3": base + "## Changelog\n- v1\n", "c4": base + "## Changelog\n- v1\n- v2\n", "c9": base + "x v3\n"}
    got = {pos: signals for pos, _, _, _, signals in sql_events(commits, changes, readmes, Window(commits=1, days=90))}
    assert got == {2: ["readme_changelog"], 5: ["readme_changelog"]}
    wide = {pos: signals for pos, _, _, _, signals in sql_events(commits, changes, {"c4": readmes["c4"]}, Window(commits=2, days=90))}
    assert wide == {2: ["readme_changelog"], 5: []}
    # a README change a commit later but 200 days later is not in the window
    late = [*commits[:3], info(3, minutes=200 * 24 * 60), *commits[4:]]
    assert {p: s for p, _, _, _, s in sql_events(late, changes, {"c3": readmes["c3"]})} == {2: [], 5: []}


def test_card_states() -> None:
    template = "---\nlibrary_name: transformers\n---\n" + "".join(f"- **F{i}:** [More Information Needed]\n" for i in range(5))
    assert card_facts(None, None, None)["card_state"] == "none"
    assert card_facts("", None, None)["card_state"] == "empty"
    assert card_facts(template, '{"library_name": "transformers"}', None)["card_state"] == "template"
    assert card_facts("---\nx: [\n---\nbody", None, "invalid YAML")["card_state"] == "unparseable"
    assert card_facts("# Title\n\nTrained on the pile dataset.\n", "{}", None)["datasets_mentioned"] is True
    filled = "# m\n\n" + "Real text line.\n" * 30 + "- **Hardware:** More information needed\n" * 3
    assert not is_template(filled)
    facts = card_facts("---\nbase_model: a/b\nmodel-index:\n- results: [1]\n---\n# m\n", '{"base_model": "a/b", "model-index": [{"results": [1]}]}', None)
    assert facts["base_model_declared"] and facts["eval_results_declared"] and facts["card_state"] == "metadata"


def test_an_empty_store_gives_empty_tables(tmp_path: Path) -> None:
    from hfaudit.analyse.releases import build_release_tables
    from hfaudit.analyse.releases.measures import study_measures
    from hfaudit.store import Store

    with Store(tmp_path / "empty.duckdb") as store:
        assert build_release_tables(store.con).startswith("releases: 0 weight changes")
        for table in ("weight_changes", "transparency", "version_pair_changes"):
            assert store.con.execute(f"select count(*) from {table}").fetchall() == [(0,)]
        assert study_measures(store.con)["weight_share"]["file_changes"] == 0


def test_weight_changes_in_ranges_of_one_model_equal_one_range(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hfaudit.analyse.releases.build as build
    from hfaudit.analyse.batches import weighted_ranges

    db = tmp_path / "ranges.duckdb"
    db.write_bytes(store.read_bytes())
    monkeypatch.setattr(build, "RANGE_ROW_BYTES", 1 << 62)  # memory for less than a row: a range a model
    with duckdb.connect(str(db)) as con:
        per_model = "select model_id, count(*) as n from file_changes where category = 'weights' group by model_id"
        assert len(weighted_ranges(con, 1, per_model)) >= 2
        build.build_weight_changes(con)
    sql = "select * from weight_changes"  # in the table's order: ranges are inserted in model-id order
    assert rows(db, sql) == rows(store, sql) and len(rows(db, sql)) == 13
