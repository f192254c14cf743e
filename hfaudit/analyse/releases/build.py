"""Build the release tables of the store: ``weight_changes``, ``transparency``, ``version_pair_changes``.

Reads the crawl tables (commits, file_changes, card_versions, refs, models) and, when the naming
analyser ran first, ``naming`` and ``version_series``. Inputs are read with one query each, the
events of every model are classified in Python (:mod:`.events`, :mod:`.signals`), and each table
is replaced in bulk from one frame.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from typing import Any

import duckdb
import pandas as pd
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from hfaudit.analyse.batches import (
    BatchWriter,
    Bounds,
    SortedStreams,
    in_range,
    jobs,
    model_ranges,
    parallel_map,
    params,
)
from hfaudit.analyse.releases.events import CommitInfo, FileChange, WeightEvent, classify
from hfaudit.analyse.releases.paper import extension, paper_category
from hfaudit.analyse.releases.signals import ModelContext, ReadmeChange, Window, attach_signals
from hfaudit.cards import parse_card
from hfaudit.store import schema

WEIGHT_CHANGE_COLUMNS = schema.columns("weight_changes")

# Each query reads one range of models ($lo, $hi: ``hfaudit.analyse.batches.in_range``).
COMMITS_QUERY = f"""
select model_id, commit_id, position, committed_at, coalesce(title, '') as title,
       coalesce(message, '') as message, coalesce(authors, []::varchar[]) as authors
from commits
where unreachable_since is null and {in_range('model_id')}
order by model_id, position
"""
WEIGHT_ROWS_QUERY = f"""
select fc.model_id, fc.commit_id, fc.path, fc.change_kind, fc.old_blob, fc.new_blob,
       fc.old_sha256, fc.new_sha256, fc.old_size, fc.new_size
from file_changes as fc
join commits as c using (model_id, commit_id)
where fc.category = 'weights' and c.unreachable_since is null and {in_range('fc.model_id')}
order by fc.model_id, c.position, fc.path
"""
README_QUERY = f"""
select fc.model_id, fc.commit_id, c.position, c.committed_at, fc.change_kind, cv.content, cv.front_matter
from file_changes as fc
join commits as c using (model_id, commit_id)
left join card_versions as cv using (model_id, commit_id)
where fc.path = 'README.md' and c.unreachable_since is null and {in_range('fc.model_id')}
order by fc.model_id, c.position
"""
TAGS_QUERY = f"""
with latest as (
    select model_id, max(snapshot_id) as snapshot_id from refs where {in_range('model_id')} group by model_id
)
select r.model_id, c.position
from refs as r
join latest as l using (model_id, snapshot_id)
join commits as c on c.model_id = r.model_id and c.commit_id = r.target_commit
where r.ref_type = 'tag' and c.unreachable_since is null
order by r.model_id, c.position
"""
SUCCESSORS_QUERY = f"""
select s.predecessor_id as model_id, m.created_at
from version_series as s
join models as m using (model_id)
where s.predecessor_id is not null and {in_range('s.predecessor_id')}
order by s.predecessor_id, m.created_at
"""
VERSIONS_QUERY = (
    f"select model_id, version_raw from naming where version_raw is not null and {in_range('model_id')} order by model_id"
)


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = ?", [name]
    ).fetchall()[0]
    return bool(row and row[0])


def _none(value: Any) -> Any:
    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _front(front_json: Any, content: str | None) -> dict[str, Any] | None:
    front_json = _none(front_json)
    if front_json is not None:
        loaded = json.loads(front_json)
        return loaded if isinstance(loaded, dict) else None
    return None if content is None else _card_data(content)


@functools.lru_cache(maxsize=4096)
def _card_data(content: str) -> dict[str, Any] | None:
    """The card's parsed front matter (once per distinct card text: a YAML parse is slow)."""
    return parse_card(content).data


def _body(content: str | None) -> str | None:
    """The card's text after its front matter: ``parse_card(content).text`` without parsing the YAML."""
    if content is None:
        return None
    match = REGEX_YAML_BLOCK.search(content)
    return content[match.end():] if match else content


def _input_queries(naming: bool, series: bool) -> dict[str, str]:
    """The queries of ``_range_events``'s inputs, each ordered by model id first."""
    queries = {"commits": COMMITS_QUERY, "changes": WEIGHT_ROWS_QUERY, "readmes": README_QUERY, "tags": TAGS_QUERY}
    if naming:
        queries["versions"] = VERSIONS_QUERY
    if series:
        queries["successors"] = SUCCESSORS_QUERY
    return queries


def _range_inputs(con: duckdb.DuckDBPyConnection, bounds: Bounds, naming: bool, series: bool) -> dict[str, list[Any]]:
    """The rows one range of models needs, as plain tuples (they pickle to a worker)."""
    p = params(bounds)
    rows = {name: con.execute(sql, p).fetchall() for name, sql in _input_queries(naming, series).items()}
    return {"versions": [], "successors": [], **rows}


def _range_events(inputs: dict[str, list[Any]], window: Window) -> list[tuple[str, WeightEvent]]:
    """The weight events, with signals, of the models whose rows ``inputs`` holds."""
    commits: dict[str, list[CommitInfo]] = defaultdict(list)
    for r in inputs["commits"]:
        commits[r[0]].append(CommitInfo(r[1], int(r[2]), r[3], r[4], r[5], tuple(r[6] or ())))
    changes: dict[str, list[FileChange]] = defaultdict(list)
    for r in inputs["changes"]:
        changes[r[0]].append(FileChange(*r[1:]))
    readmes: dict[str, list[ReadmeChange]] = defaultdict(list)
    for model_id, cid, pos, at, kind, content, front in inputs["readmes"]:
        if kind == "deleted":
            readmes[model_id].append(ReadmeChange(cid, int(pos), at, None, None))
        elif content is not None:
            readmes[model_id].append(ReadmeChange(cid, int(pos), at, _body(content), _front(front, content)))
    tags: dict[str, list[int]] = defaultdict(list)
    for model_id, pos in inputs["tags"]:
        tags[model_id].append(int(pos))
    versions: dict[str, str] = dict(inputs["versions"])
    successors: dict[str, list[Any]] = defaultdict(list)
    for model_id, created in inputs["successors"]:
        successors[model_id].append(created)
    out: list[tuple[str, WeightEvent]] = []
    for model_id in sorted(changes):
        events = classify(commits.get(model_id, []), changes[model_id])
        ctx = ModelContext(
            commits=commits.get(model_id, []),
            readmes=readmes.get(model_id, []),
            tag_positions=tags.get(model_id, []),
            name_version=versions.get(model_id),
            successor_created=successors.get(model_id, []),
        )
        attach_signals(events, ctx, window)
        out.extend((model_id, e) for e in events)
    return out


def _event_rows(job: tuple[dict[str, list[Any]], Window]) -> list[tuple[Any, ...]]:
    """A worker's job: one range's inputs to ``weight_changes`` rows (in the declared column order)."""
    inputs, window = job
    return [
        (
            model_id,
            e.commit.commit_id,
            e.commit.committed_at,
            e.commit.position,
            e.path,
            e.change_kind,
            e.old_sha256,
            e.new_sha256,
            e.old_size,
            e.new_size,
            e.documented,
            list(e.signals),
            e.from_path,
            e.commit.title,
            extension(e.path),
            paper_category(e.path),
        )
        for model_id, e in _range_events(inputs, window)
    ]


def weight_events(con: duckdb.DuckDBPyConnection, window: Window) -> list[tuple[str, WeightEvent]]:
    """Every weight event of every crawled model, with its signals (all in memory: for tests and
    small stores; ``build_weight_changes`` streams)."""
    naming, series = _table_exists(con, "naming"), _table_exists(con, "version_series")
    return _range_events(_range_inputs(con, (None, None), naming, series), window)


def build_weight_changes(con: duckdb.DuckDBPyConnection, window: Window | None = None) -> int:
    """(Re)create table ``weight_changes``, one range of models at a time; returns its row count."""
    window = window or Window()
    naming, series = _table_exists(con, "naming"), _table_exists(con, "version_series")
    assert WEIGHT_CHANGE_COLUMNS[0] == "model_id" and WEIGHT_CHANGE_COLUMNS[-1] == "paper_category"
    ranges = model_ranges(con)
    # One sorted scan per input, cut into ranges (not a filtered scan per range).
    streams = SortedStreams(con, _input_queries(naming, series), params((None, None)))
    work = ({"versions": [], "successors": [], **streams.take(b)} for b in ranges)
    writer = BatchWriter(con, "weight_changes")
    try:
        for rows in parallel_map(_event_rows, ((w, window) for w in work), min(jobs(con), len(ranges))):
            writer.append(rows)
    finally:
        streams.close()
    return writer.finish("model_id, position, path")
