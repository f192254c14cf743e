"""Analysis at scale: the synthesiser's copies, and the batched, parallel analysers giving the same
tables as one batch in one process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hfaudit.analyse.batches as batches
import hfaudit.analyse.naming.tables as naming_tables
import hfaudit.analyse.releases.build as build
from hfaudit.audit.pipeline import analyse
from hfaudit.lab.golden import compare, dump_tables
from hfaudit.lab.synth import memory_for, synthesise


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    tmp = tmp_path_factory.mktemp("synth")
    db = tmp / "s.duckdb"
    synthesise(db, 70, seed=3, base=30, cache=tmp / "cache")
    return db


def test_synth_copies_the_base_under_new_owners_to_exactly_n_models(synth: Path) -> None:
    with duckdb.connect(str(synth), read_only=True) as con:
        base = sorted(r[0] for r in con.execute("select model_id from models where model_id not like '%-c_/%'").fetchall())
        ids = [r[0] for r in con.execute("select model_id from models order by model_id").fetchall()]
        assert len(ids) == len(set(ids)) == 70
        # The generator's 30-model draw holds a few more repositories (bases it adds); copy 1 follows.
        assert 30 <= len(base) < 70
        owner, name = base[0].split("/", 1)
        assert f"{owner}-c1/{name}" in ids
        assert len([i for i in ids if "-c1/" in i]) == min(len(base), 70 - len(base))
        # Every copied model has its base model's commits and file changes, and nothing else.
        per = con.execute(
            """
            select regexp_replace(model_id, '^([^/]+)-c[0-9]+/', '\\1/') as base_id, count(distinct model_id) as copies,
                   min(n) as lo, max(n) as hi
            from (select model_id, count(*) as n from commits group by model_id)
            group by 1
            """
        ).fetchall()
        assert all(lo == hi for _, _, lo, hi in per)
        # A declared base model points into the same copy.
        bad = con.execute(
            """
            select count(*) from (select model_id, unnest(card_base_models) as b from models)
            where model_id like '%-c1/%' and b like '%/%' and b not like '%-c1/%'
              and b in (select model_id from models)
            """
        ).fetchone()
        assert bad == (0,)


def test_the_synthesisers_default_memory_grows_with_the_copy_past_200k_models() -> None:
    # a 1M-model copy ran out of a fixed 2GB ("could not allocate block") and fit in 8GB (docs/scale.md)
    assert [memory_for(n) for n in (70, 200_000, 200_001, 1_000_000, 1_500_000)] == ["2GB", "2GB", "2GB", "8GB", "12GB"]
    for n in (10, 2_000_000):
        con = duckdb.connect()
        con.execute(f"set memory_limit = '{memory_for(n)}'")  # a size DuckDB takes
        assert con.execute("select current_setting('memory_limit')").fetchone()[0].endswith("GiB")


def test_batched_parallel_analysis_equals_one_batch(synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, many = tmp_path / "one.duckdb", tmp_path / "many.duckdb"
    one.write_bytes(synth.read_bytes())
    many.write_bytes(synth.read_bytes())
    lines_one = list(analyse(str(one), jobs=1))
    monkeypatch.setattr(build, "RANGE_ROW_BYTES", 512 * 10**6 // 40)  # 40 weight rows a range: several ranges
    monkeypatch.setattr(naming_tables, "NAMING_CHUNK", 13)
    lines_many = list(analyse(str(many), memory="512MB", jobs=2))
    assert lines_one == lines_many
    dump_tables(one, tmp_path / "a")
    dump_tables(many, tmp_path / "b")
    assert compare(tmp_path / "a", tmp_path / "b") == []
    with duckdb.connect(str(many), read_only=True) as con:
        assert con.execute("select count(*) from weight_changes").fetchone()[0] > 0  # type: ignore[index]


def test_weighted_ranges_cover_every_id_once_and_hold_their_share_of_rows(synth: Path) -> None:
    counts = "select model_id, count(*) as n from commits group by model_id"
    with duckdb.connect(str(synth), read_only=True) as con:
        per = dict(con.execute(counts).fetchall())
        ranges = batches.weighted_ranges(con, 60, counts)
        assert len(ranges) >= 4 and ranges[0][0] is None and ranges[-1][1] is None
        seen = []
        for b in ranges:
            ids = [r[0] for r in con.execute(
                f"select model_id from models where {batches.in_range('model_id')} order by 1", batches.params(b)
            ).fetchall()]
            # at most the range's share of rows, and one model's more
            assert sum(per.get(i, 0) for i in ids) < 60 + max(per.get(i, 0) for i in ids)
            seen += ids
        assert seen == [r[0] for r in con.execute("select model_id from models order by 1").fetchall()]
        assert len(batches.weighted_ranges(con, 1 << 40, counts)) == 1


def test_memory_limit_reads_back_in_bytes(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "m.duckdb")) as con:
        con.execute("set memory_limit = '2GB'")
        assert abs(batches.memory_limit_bytes(con) - 2 * 10**9) < 0.05 * 2 * 10**9  # it reads back rounded: 1.8 GiB


def test_memory_option_refuses_what_is_not_a_size(synth: Path) -> None:
    from hfaudit.errors import HfauditError

    with pytest.raises(HfauditError, match="--memory must be a size"):
        list(analyse(str(synth), memory="lots"))


def test_audits_for_some_models_equal_the_whole_run_filtered(synth: Path, tmp_path: Path) -> None:
    from hfaudit.audit import run_audits

    db = tmp_path / "a.duckdb"
    db.write_bytes(synth.read_bytes())
    list(analyse(str(db), jobs=1))
    with duckdb.connect(str(db), read_only=True) as con:
        whole = run_audits(con).findings
        some = sorted({f.model_id for f in whole})[::7]
        assert some
        assert run_audits(con, models=some).findings == tuple(f for f in whole if f.model_id in set(some))


def test_the_memory_option_names_the_default_the_analysis_uses() -> None:
    import typing

    from hfaudit.analyse import DEFAULT_MEMORY
    from hfaudit.cli.options import MemoryOption

    option = typing.get_args(MemoryOption)[1]
    assert f"default: {DEFAULT_MEMORY}" in option.help


def test_the_analysers_leave_no_temporary_table_behind_on_success_or_error(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hfaudit.analyse import ANALYSERS

    db = tmp_path / "t.duckdb"
    db.write_bytes(synth.read_bytes())
    monkeypatch.setattr(build, "RANGE_ROW_BYTES", 512 * 10**6 // 40)  # several ranges: the staged tables too
    temporary = "select table_name from duckdb_tables() where temporary order by 1"
    with duckdb.connect(str(db)) as con:
        con.execute("set memory_limit = '512MB'")
        for _, step in ANALYSERS:
            step(con)
            assert con.execute(temporary).fetchall() == []
        # a failure inside a step (here the last query of semver) still drops what it made
        monkeypatch.setattr("hfaudit.analyse.semver.tables.RELEASES_QUERY", "select * from no_such_table")
        from hfaudit.analyse.semver.tables import build_semver_sql

        with pytest.raises(duckdb.Error):
            build_semver_sql(con)
        assert con.execute(temporary).fetchall() == []


def test_a_run_stages_its_intermediate_tables_in_a_file_beside_the_store_and_removes_it(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hfaudit.analyse import ANALYSERS, run_steps

    db = tmp_path / "my-store.duckdb"  # a name that needs quoting on the search path
    db.write_bytes(synth.read_bytes())
    stage = Path(batches.stage_path(str(db)))
    stage.write_bytes(b"what a killed run left behind")
    made: list[tuple[str, str, bool]] = []
    create, drop = batches.TempTables.create, batches.TempTables.drop

    def where(self: batches.TempTables, name: str) -> None:
        found = self.con.execute("select database_name, temporary from duckdb_tables() where table_name = ?", [name]).fetchall()
        made.extend((name, *w) for w in found)
        assert stage.exists()

    def creating(self: batches.TempTables, name: str, sql: str) -> None:
        create(self, name, sql)
        where(self, name)

    def dropping(self: batches.TempTables, *names: str) -> None:
        for name in names:  # lineage makes most of its tables with its own statements
            where(self, name)
        drop(self, *names)

    monkeypatch.setattr(batches.TempTables, "create", creating)
    monkeypatch.setattr(batches.TempTables, "drop", dropping)
    lines = list(run_steps(str(db), ANALYSERS, jobs=1))
    monkeypatch.undo()
    assert len(lines) == len(ANALYSERS)
    # every analyser that stages tables put them in the stage database, none in temporary storage
    assert {n[:4] for n, _, _ in made} >= {"_wc_", "_sv_", "_lin"}
    assert all(database == batches.STAGE and not temporary for _, database, temporary in made)
    assert not stage.exists() and not Path(str(stage) + ".wal").exists()
    # and the tables equal those of a run with temporary tables (a connection with no stage attached)
    other = tmp_path / "plain.duckdb"
    other.write_bytes(synth.read_bytes())
    with duckdb.connect(str(other)) as con:
        assert batches.staged_prefix(con) == ""
        for _, step in ANALYSERS:
            step(con)
    dump_tables(db, tmp_path / "staged")
    dump_tables(other, tmp_path / "plain")
    assert compare(tmp_path / "staged", tmp_path / "plain") == []


def test_a_failing_analyser_leaves_every_table_it_writes_as_it_was(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hfaudit.analyse.lineage.sql as lineage_sql
    from hfaudit.analyse import ANALYSERS, run_steps

    db = tmp_path / "f.duckdb"
    db.write_bytes(synth.read_bytes())
    list(analyse(str(db), jobs=1))
    # Mark the tables, so that a rebuild (from the same crawl) would show.
    marked = {"semver_changes": "", "lineage_edges": "", "lineage_evidence": "", "naming": "", "weight_changes": "", "transparency": ""}
    with duckdb.connect(str(db)) as con:
        for table in marked:
            con.execute(f"delete from {table} where rowid % 2 = 0")
        before = {t: con.execute(f"select * from {t} order by all").fetchall() for t in marked}
    assert all(before.values())
    steps = dict(ANALYSERS)
    # semver writes semver_changes, then fails on semver_releases
    monkeypatch.setattr("hfaudit.analyse.semver.tables.RELEASES_QUERY", "select * from no_such_table")
    with pytest.raises(duckdb.Error):
        list(run_steps(str(db), [("semver", steps["semver"])], jobs=1))
    # releases builds weight_changes aside, puts it in place and writes transparency, then fails on
    # the version pairs; the table built aside is gone too
    def pairs_failed(*args: object, **kwargs: object) -> None:
        raise RuntimeError("version_pair_changes write failed")

    monkeypatch.setattr("hfaudit.analyse.releases.measures.build_version_pairs", pairs_failed)
    with pytest.raises(RuntimeError):
        list(run_steps(str(db), [("releases", steps["releases"])], jobs=1))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables() where table_name like '%pending%'").fetchall() == [(0,)]
    # lineage writes its first tables, then fails on the last one
    monkeypatch.setitem(lineage_sql.ORDER, "lineage_paper", ["no_such_column"])
    with pytest.raises(duckdb.Error):
        list(run_steps(str(db), [("lineage", steps["lineage"])], jobs=1))

    # naming's builder called directly (no pipeline around it) rewrites naming, then fails on the series
    def failing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("version_series write failed")

    monkeypatch.setattr(naming_tables, "replace_table", failing)
    with duckdb.connect(str(db)) as con, pytest.raises(RuntimeError):
        naming_tables.build_naming_tables(con)
    with duckdb.connect(str(db), read_only=True) as con:
        assert {t: con.execute(f"select * from {t} order by all").fetchall() for t in marked} == before


def test_transaction_commits_rolls_back_or_joins_the_callers(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        con.execute("create table t (x integer)")
        assert not batches.in_transaction(con)
        with batches.transaction(con):
            assert batches.in_transaction(con)
            con.execute("insert into t values (1)")
        assert not batches.in_transaction(con)
        with pytest.raises(ValueError), batches.transaction(con):
            con.execute("insert into t values (2)")
            raise ValueError
        assert con.execute("select list(x) from t").fetchone() == ([1],)
        # inside the caller's transaction: neither commits nor ends it
        con.execute("begin")
        with batches.transaction(con):
            con.execute("insert into t values (3)")
        assert batches.in_transaction(con)
        con.execute("rollback")
        assert con.execute("select list(x) from t").fetchone() == ([1],)


def test_create_all_drops_each_table_once_no_later_query_reads_it(tmp_path: Path) -> None:
    present = "select list(table_name order by table_name) from duckdb_tables() where temporary"
    with duckdb.connect(str(tmp_path / "c.duckdb")) as con, batches.temp_tables(con) as temps:
        temps.create_all(
            [
                ("_t_a", "select 1 as x"),
                ("_t_b", "select x + 1 as x from _t_a"),
                # when this runs, _t_a (read by no later query) is gone, and _t_b is still there
                ("_t_seen", f"select ({present}) as tables from _t_b"),
                ("_t_c", "select x from _t_b"),
            ],
            then=["select * from _t_c join _t_seen on true"],
        )
        assert con.execute("select tables from _t_seen").fetchone() == (["_t_b", "_t_seen"],)  # itself, being made
        assert con.execute(present).fetchone() == (["_t_c", "_t_seen"],)


def test_lineage_drops_the_card_texts_and_claims_before_its_graph_walk(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hfaudit.analyse.lineage.sql as lineage_sql

    db = _copy(synth, tmp_path / "g.duckdb")
    seen: list[str] = []

    def before(con: duckdb.DuckDBPyConnection) -> None:
        seen.extend(r[0] for r in con.execute("select table_name from duckdb_tables() where temporary").fetchall())

    _spy(monkeypatch, lineage_sql, "_graph_and_observations", before=before)
    with duckdb.connect(str(db)) as con:
        lineage_sql.build_lineage_tables(con)
        assert con.execute("select count(*) from lineage_edges").fetchone()[0] > 0  # type: ignore[index]
    # what the graph walk and the tables after it read is still there; what they do not read is gone
    assert {"_lin_edges", "_lin_ev", "_lin_names", "_lin_cfgtext", "_lin_cfg"} <= set(seen)
    assert not {"_lin_cardtext", "_lin_card", "_lin_raw", "_lin_clean", "_lin_ev0", "_lin_pp", "_lin_ren"} & set(seen)


def test_weight_changes_are_the_same_when_the_value_hashes_collide(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # commit texts and weight paths are keyed by their hash when no two distinct values share one;
    # a hash of two values forces collisions, and the keys must fall back to numbers, not mix values
    from hfaudit.analyse.releases.signals import Window

    db = _copy(synth, tmp_path / "k.duckdb")
    chosen: list[str] = []
    _spy(monkeypatch, build, "_value_keys", after=chosen.append)
    with duckdb.connect(str(db)) as con:
        _analyse_through_releases(con)
        assert chosen == ["hashed", "hashed"]
        hashed = con.execute("select * from weight_changes").fetchall()
        monkeypatch.setattr(build, "KEY_HASH", "hash({}) % 2")
        build.build_weight_changes(con, Window(), table="weight_changes_collided")
        assert chosen[2:] == ["numbered", "numbered"]
        collided = con.execute("select * from weight_changes_collided").fetchall()
        assert len(hashed) > 0 and collided == hashed
        # the values tables went with the step
        assert not con.execute("select 1 from duckdb_tables() where table_name like '_wc_%'").fetchall()


def _copy(store: Path, to: Path) -> Path:
    to.write_bytes(store.read_bytes())
    return to


def _spy(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str,
    before: Callable[..., None] | None = None, after: Callable[[Any], None] | None = None,
) -> None:  # fmt: skip
    """``module.name`` wrapped: ``before(*args)`` ahead of each call, ``after(result)`` behind it."""
    real = getattr(module, name)

    def spying(*args: Any) -> Any:
        if before is not None:
            before(*args)
        result = real(*args)
        if after is not None:
            after(result)
        return result

    monkeypatch.setattr(module, name, spying)


def _analyse_through_releases(con: duckdb.DuckDBPyConnection) -> None:
    """The analysers up to and including releases, on an open connection."""
    from hfaudit.analyse import ANALYSERS

    for name, step in ANALYSERS:
        step(con)
        if name == "releases":
            return


def test_an_error_in_the_lineage_graph_walks_fails_the_step_and_keeps_the_tables(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the walks run on a thread of their own beside the observations query: their error must reach
    # the step (not be lost with the thread), and the tables written before stay as they were
    import hfaudit.analyse.lineage.sql as lineage_sql

    db = tmp_path / "t.duckdb"
    db.write_bytes(synth.read_bytes())
    with duckdb.connect(str(db)) as con:
        lineage_sql.build_lineage_tables(con)
        before = con.execute("select * from model_lineage order by model_id").fetchall()
        assert before

        def failing(children: list[int], parents: list[int]) -> None:
            raise RuntimeError("walk failed")

        monkeypatch.setattr(lineage_sql, "_place", failing)
        with pytest.raises(RuntimeError, match="walk failed"):
            lineage_sql.build_lineage_tables(con)
        assert con.execute("select * from model_lineage order by model_id").fetchall() == before
        assert not con.execute("select table_name from duckdb_tables() where table_name like '_lin_%'").fetchall()


def test_the_weight_file_changes_line_counts_what_the_view_holds(synth: Path, tmp_path: Path) -> None:
    from hfaudit.analyse import ANALYSERS

    db = tmp_path / "w.duckdb"
    db.write_bytes(synth.read_bytes())
    with duckdb.connect(str(db)) as con:
        line = dict(ANALYSERS)["weight_file_changes"](con)
        n = con.execute("select count(*) from weight_file_changes").fetchone()[0]  # type: ignore[index]
        assert n > 0
        assert line == f"weight_file_changes: a view over {n} weight file changes"


def test_semver_reads_the_commits_and_changes_the_releases_step_of_its_run_kept(
    synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hfaudit.analyse.semver.tables as semver_tables
    from hfaudit.analyse import ANALYSERS, run_steps

    found: list[bool] = []
    present = semver_tables._shared_present

    def recording(con: duckdb.DuckDBPyConnection) -> bool:
        found.append(present(con))
        return found[-1]

    monkeypatch.setattr(semver_tables, "_shared_present", recording)
    left: list[str] = []
    steps = [*ANALYSERS, ("after", lambda con: left.extend(r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = ?", [batches.STAGE]).fetchall()) or "")]
    whole = tmp_path / "whole.duckdb"
    whole.write_bytes(synth.read_bytes())
    list(run_steps(str(whole), steps, jobs=1))
    # the releases step kept them for the semver step, which dropped them once read
    assert found == [True]
    assert not set(build.SHARED) & set(left)
    # semver alone in a run (no releases step before it) builds them itself, to the same tables
    alone = tmp_path / "alone.duckdb"
    alone.write_bytes(whole.read_bytes())
    with duckdb.connect(str(alone)) as con:
        con.execute("drop table semver_changes; drop table semver_releases")
    list(run_steps(str(alone), [s for s in ANALYSERS if s[0] == "semver"], jobs=1))
    assert found == [True, False]
    for table in ("semver_changes", "semver_releases"):
        rows = [duckdb.connect(str(d), read_only=True).execute(f"select * from {table}").fetchall() for d in (whole, alone)]
        assert rows[0] == rows[1] and rows[0]


def test_only_the_stage_database_keeps_a_steps_tables(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "k.duckdb")) as con, pytest.raises(ValueError, match="stage database"):
        batches.TempTables(con).keep("t")
