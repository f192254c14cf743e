"""Build the release tables of the store: ``weight_changes``, ``transparency``, ``version_pair_changes``.

Reads the crawl tables (commits, file_changes, card_versions, refs, models) and, when the naming
analyser ran first, ``naming`` and ``version_series``. Inputs are read with one query each, the
events of every model are classified in Python (:mod:`.events`, :mod:`.signals`), and each table
is replaced in bulk from one frame.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb
import pandas as pd

from hfaudit.analyse.releases.events import CommitInfo, FileChange, WeightEvent, classify
from hfaudit.analyse.releases.paper import extension, paper_category
from hfaudit.analyse.releases.signals import ModelContext, ReadmeChange, Window, attach_signals
from hfaudit.cards import parse_card
from hfaudit.store import replace_table, schema

WEIGHT_CHANGE_COLUMNS = schema.columns("weight_changes")

COMMITS_QUERY = """
select model_id, commit_id, position, committed_at, coalesce(title, '') as title,
       coalesce(message, '') as message, coalesce(authors, []::varchar[]) as authors
from commits
where unreachable_since is null
order by model_id, position
"""
WEIGHT_ROWS_QUERY = """
select fc.model_id, fc.commit_id, fc.path, fc.change_kind, fc.old_blob, fc.new_blob,
       fc.old_sha256, fc.new_sha256, fc.old_size, fc.new_size
from file_changes as fc
join commits as c using (model_id, commit_id)
where fc.category = 'weights' and c.unreachable_since is null
order by fc.model_id, c.position, fc.path
"""
README_QUERY = """
select fc.model_id, fc.commit_id, c.position, c.committed_at, fc.change_kind, cv.content, cv.front_matter
from file_changes as fc
join commits as c using (model_id, commit_id)
left join card_versions as cv using (model_id, commit_id)
where fc.path = 'README.md' and c.unreachable_since is null
order by fc.model_id, c.position
"""
TAGS_QUERY = """
with latest as (
    select model_id, max(snapshot_id) as snapshot_id from refs group by model_id
)
select r.model_id, c.position
from refs as r
join latest as l using (model_id, snapshot_id)
join commits as c on c.model_id = r.model_id and c.commit_id = r.target_commit
where r.ref_type = 'tag' and c.unreachable_since is null
order by r.model_id, c.position
"""
SUCCESSORS_QUERY = """
select s.predecessor_id as model_id, m.created_at
from version_series as s
join models as m using (model_id)
where s.predecessor_id is not null
order by s.predecessor_id, m.created_at
"""


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
    return None if content is None else parse_card(content).data


def _body(content: str | None) -> str | None:
    return None if content is None else parse_card(content).text


def weight_events(con: duckdb.DuckDBPyConnection, window: Window) -> list[tuple[str, WeightEvent]]:
    """Every weight event of every crawled model, with its signals."""
    commits: dict[str, list[CommitInfo]] = defaultdict(list)
    for r in con.execute(COMMITS_QUERY).fetchall():
        commits[r[0]].append(CommitInfo(r[1], int(r[2]), r[3], r[4], r[5], tuple(r[6] or ())))
    changes: dict[str, list[FileChange]] = defaultdict(list)
    for r in con.execute(WEIGHT_ROWS_QUERY).fetchall():
        changes[r[0]].append(FileChange(*r[1:]))
    readmes: dict[str, list[ReadmeChange]] = defaultdict(list)
    for model_id, cid, pos, at, kind, content, front in con.execute(README_QUERY).fetchall():
        if kind == "deleted":
            readmes[model_id].append(ReadmeChange(cid, int(pos), at, None, None))
        elif content is not None:
            readmes[model_id].append(ReadmeChange(cid, int(pos), at, _body(content), _front(front, content)))
    tags: dict[str, list[int]] = defaultdict(list)
    for model_id, pos in con.execute(TAGS_QUERY).fetchall():
        tags[model_id].append(int(pos))
    versions: dict[str, str] = {}
    if _table_exists(con, "naming"):
        versions = dict(con.execute("select model_id, version_raw from naming where version_raw is not null").fetchall())
    successors: dict[str, list[Any]] = defaultdict(list)
    if _table_exists(con, "version_series"):
        for model_id, created in con.execute(SUCCESSORS_QUERY).fetchall():
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


def build_weight_changes(con: duckdb.DuckDBPyConnection, window: Window | None = None) -> int:
    """(Re)create table ``weight_changes``; returns its row count."""
    events = weight_events(con, window or Window())
    frame = pd.DataFrame(
        [
            {
                "model_id": model_id,
                "commit_id": e.commit.commit_id,
                "committed_at": e.commit.committed_at,
                "position": e.commit.position,
                "path": e.path,
                "change_kind": e.change_kind,
                "old_sha256": e.old_sha256,
                "new_sha256": e.new_sha256,
                "old_size": e.old_size,
                "new_size": e.new_size,
                "documented": e.documented,
                "signals": list(e.signals),
                "from_path": e.from_path,
                "title": e.commit.title,
                "extension": extension(e.path),
                "paper_category": paper_category(e.path),
            }
            for model_id, e in events
        ],
        columns=WEIGHT_CHANGE_COLUMNS,
    )
    replace_table(
        con,
        "weight_changes",
        frame,
        "model_id, position, path",
    )
    return len(frame)
