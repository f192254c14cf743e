"""The DuckDB store: schema, migrations and bulk writes.

Table names and their key columns are a contract (``docs/schema.md``); columns may be added,
never renamed without a migration. Every write goes through pandas frames in one transaction per
batch, and the crawl state (``models.crawled_sha``) commits in the same transaction as the data,
so a killed crawl resumes with no loss and no duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from hfaudit.errors import HfauditError

SCHEMA_VERSION = 1

SCHEMA = """
create table if not exists meta (
    key varchar primary key,
    value varchar
);
create table if not exists snapshots (
    snapshot_id integer primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,            -- running | complete | failed
    endpoint varchar not null,
    scope json not null,
    models_listed integer,
    models_crawled integer,
    models_unchanged integer,
    models_failed integer,
    models_gone integer,
    commits_added integer,
    file_changes_added integer,
    requests json,                      -- client-side counts: total, per bucket, per status
    hfaudit_version varchar
);
create table if not exists models (
    model_id varchar primary key,
    object_id varchar,
    author varchar,
    sha varchar,                        -- head commit as last listed
    created_at timestamptz,
    last_modified timestamptz,
    private boolean,
    gated varchar,                      -- 'false' | 'auto' | 'manual'
    disabled boolean,
    downloads bigint,
    likes bigint,
    pipeline_tag varchar,
    library_name varchar,
    tags varchar[],
    card_data json,
    config json,
    card_base_models varchar[],
    card_base_model_relation varchar,
    config_model_type varchar,
    status varchar not null,            -- present | gone | renamed
    renamed_to varchar,
    first_snapshot integer,
    last_snapshot integer,
    crawled_sha varchar,                -- head whose history is fully stored (crawl state)
    crawled_snapshot integer
);
create table if not exists model_snapshots (
    snapshot_id integer not null,
    model_id varchar not null,
    sha varchar,
    last_modified timestamptz,
    downloads bigint,
    likes bigint,
    status varchar not null,            -- crawled | unchanged | failed | gone | renamed
    primary key (snapshot_id, model_id)
);
create table if not exists commits (
    model_id varchar not null,
    commit_id varchar not null,
    committed_at timestamptz,
    title varchar,
    message varchar,
    authors varchar[],
    position integer,                   -- 0 = oldest reachable commit when first stored
    first_snapshot integer,
    unreachable_since integer,          -- snapshot in which history no longer reached it
    primary key (model_id, commit_id)
);
create table if not exists file_changes (
    model_id varchar not null,
    commit_id varchar not null,
    path varchar not null,
    change_kind varchar not null,       -- added | modified | deleted
    category varchar not null,          -- see hfaudit.files.category
    old_blob varchar,
    new_blob varchar,
    old_sha256 varchar,
    new_sha256 varchar,
    old_size bigint,
    new_size bigint,
    is_lfs boolean,
    primary key (model_id, commit_id, path)
);
create table if not exists model_files (
    model_id varchar not null,
    path varchar not null,
    blob varchar,
    sha256 varchar,
    size bigint,
    category varchar,
    primary key (model_id, path)
);
create table if not exists card_versions (
    model_id varchar not null,
    commit_id varchar not null,
    committed_at timestamptz,
    content varchar,
    front_matter json,
    card_error varchar,
    primary key (model_id, commit_id)
);
create table if not exists file_contents (
    model_id varchar not null,
    commit_id varchar not null,
    path varchar not null,
    content varchar,
    primary key (model_id, commit_id, path)
);
create table if not exists refs (
    snapshot_id integer not null,
    model_id varchar not null,
    ref_type varchar not null,          -- branch | tag
    name varchar not null,
    target_commit varchar,
    primary key (snapshot_id, model_id, ref_type, name)
);
create table if not exists model_base_models (
    snapshot_id integer not null,
    model_id varchar not null,
    position integer not null,          -- order in baseModels.models
    parent_id varchar not null,         -- canonical id, as the Hub resolved it
    parent_object_id varchar,           -- the parent's _id
    relation varchar,                   -- baseModels.relation (null when the Hub knows none)
    primary key (snapshot_id, model_id, position)
);
create table if not exists crawl_errors (
    snapshot_id integer not null,
    model_id varchar not null,
    stage varchar not null,             -- list | info | commits | tree | refs | content | card
    error_type varchar not null,        -- gated | private | disabled | not_found | rate_limited | server_error | timeout | network | card_unparseable | ...
    status_code integer,
    message varchar,
    occurred_at timestamptz,
    resolved_snapshot integer           -- set when a later run succeeds for this model
);
"""

# The order of columns of every table written in bulk (frames are reindexed to these).
COLUMNS: dict[str, list[str]] = {
    "commits": [
        "model_id", "commit_id", "committed_at", "title", "message", "authors", "position",
        "first_snapshot", "unreachable_since",
    ],
    "file_changes": [
        "model_id", "commit_id", "path", "change_kind", "category", "old_blob", "new_blob",
        "old_sha256", "new_sha256", "old_size", "new_size", "is_lfs",
    ],
    "model_files": ["model_id", "path", "blob", "sha256", "size", "category"],
    "card_versions": ["model_id", "commit_id", "committed_at", "content", "front_matter", "card_error"],
    "file_contents": ["model_id", "commit_id", "path", "content"],
    "model_base_models": ["snapshot_id", "model_id", "position", "parent_id", "parent_object_id", "relation"],
    "refs": ["snapshot_id", "model_id", "ref_type", "name", "target_commit"],
    "crawl_errors": [
        "snapshot_id", "model_id", "stage", "error_type", "status_code", "message", "occurred_at",
        "resolved_snapshot",
    ],
    "model_snapshots": ["snapshot_id", "model_id", "sha", "last_modified", "downloads", "likes", "status"],
    "models": [
        "model_id", "object_id", "author", "sha", "created_at", "last_modified", "private", "gated",
        "disabled", "downloads", "likes", "pipeline_tag", "library_name", "tags", "card_data", "config",
        "card_base_models", "card_base_model_relation", "config_model_type", "status", "renamed_to",
        "first_snapshot", "last_snapshot", "crawled_sha", "crawled_snapshot",
    ],
}


PRIMARY_KEYS: dict[str, list[str]] = {
    "model_snapshots": ["snapshot_id", "model_id"],
    "commits": ["model_id", "commit_id"],
    "file_changes": ["model_id", "commit_id", "path"],
    "card_versions": ["model_id", "commit_id"],
    "file_contents": ["model_id", "commit_id", "path"],
}


@dataclass
class ModelBatch:
    """Everything one crawl step learned, written in one transaction."""

    models: list[dict[str, Any]] = field(default_factory=list)
    model_snapshots: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    file_changes: list[dict[str, Any]] = field(default_factory=list)
    model_files_replace: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    card_versions: list[dict[str, Any]] = field(default_factory=list)
    file_contents: list[dict[str, Any]] = field(default_factory=list)
    refs: list[dict[str, Any]] = field(default_factory=list)
    model_base_models: list[dict[str, Any]] = field(default_factory=list)
    crawl_errors: list[dict[str, Any]] = field(default_factory=list)
    unreachable: list[tuple[str, list[str]]] = field(default_factory=list)
    resolved_errors: list[str] = field(default_factory=list)

    def extend(self, other: ModelBatch) -> None:
        for name in (
            "models", "model_snapshots", "commits", "file_changes", "card_versions", "file_contents",
            "refs", "model_base_models", "crawl_errors", "unreachable", "resolved_errors",
        ):
            getattr(self, name).extend(getattr(other, name))
        self.model_files_replace.update(other.model_files_replace)

    def __len__(self) -> int:
        return len(self.models) + len(self.crawl_errors)


def _frame(table: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows as an Arrow table with exactly the table's columns (missing keys become nulls)."""
    columns = COLUMNS[table]
    return pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in columns})


class Store:
    """One DuckDB file. Use as a context manager; every connection is closed."""

    def __init__(self, path: str | Path, read_only: bool = False, create: bool = True):
        """Open (``create``: or make) the store at ``path``; ``read_only`` implies it must exist."""
        self.path = Path(path)
        if (read_only or not create) and not self.path.exists():
            raise HfauditError(f"no database at {self.path}: run 'hfaudit crawl' first", code=2)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise HfauditError(f"cannot open database {self.path}: {str(exc).splitlines()[0]}", code=2) from exc
        if not read_only:
            self.migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # ------------------------------------------------------------------------------------ schema
    def migrate(self) -> None:
        self.con.execute("begin")
        self.con.execute(SCHEMA)
        row = self.con.execute("select value from meta where key = 'schema_version'").fetchone()
        if row is None:
            self.con.execute("insert into meta values ('schema_version', ?)", [str(SCHEMA_VERSION)])
        elif int(row[0]) > SCHEMA_VERSION:
            self.con.execute("rollback")
            raise HfauditError(
                f"database {self.path} has schema {row[0]}, newer than this hfaudit ({SCHEMA_VERSION})", code=2
            )
        self.con.execute("commit")

    # --------------------------------------------------------------------------------- snapshots
    def begin_snapshot(self, endpoint: str, scope: dict[str, Any], version: str) -> int:
        row = self.con.execute("select coalesce(max(snapshot_id), 0) + 1 from snapshots").fetchone()
        snapshot_id = int(row[0]) if row else 1
        self.con.execute(
            "insert into snapshots (snapshot_id, started_at, status, endpoint, scope, hfaudit_version) "
            "values (?, now(), 'running', ?, ?, ?)",
            [snapshot_id, endpoint, json.dumps(scope, sort_keys=True), version],
        )
        return snapshot_id

    def finish_snapshot(self, snapshot_id: int, status: str, counts: dict[str, Any], requests: dict[str, Any]) -> None:
        self.con.execute(
            "update snapshots set finished_at = now(), status = ?, models_listed = ?, models_crawled = ?, "
            "models_unchanged = ?, models_failed = ?, models_gone = ?, commits_added = ?, "
            "file_changes_added = ?, requests = ? where snapshot_id = ?",
            [
                status,
                counts.get("models_listed", 0),
                counts.get("models_crawled", 0),
                counts.get("models_unchanged", 0),
                counts.get("models_failed", 0),
                counts.get("models_gone", 0),
                counts.get("commits_added", 0),
                counts.get("file_changes_added", 0),
                json.dumps(requests, sort_keys=True),
                snapshot_id,
            ],
        )

    # ------------------------------------------------------------------------------------- reads
    def latest_endpoint(self) -> str | None:
        """The endpoint of the newest snapshot, or None for a store with no snapshot."""
        row = self.con.execute("select endpoint from snapshots order by snapshot_id desc limit 1").fetchone()
        return str(row[0]) if row and row[0] else None

    def crawl_state(self, model_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Per model: the head whose history is stored, and whether an error is open for it."""
        ids = pd.DataFrame({"model_id": list(model_ids)})
        if ids.empty:
            return {}
        self.con.register("wanted_ids", ids)
        try:
            rows = self.con.execute(
                """
                with open_errors as (
                    select model_id,
                           bool_and(error_type in ('gated', 'disabled', 'not_found', 'unauthorized')) as permanent
                    from crawl_errors
                    where resolved_snapshot is null and error_type <> 'card_unparseable'
                    group by model_id
                )
                select m.model_id, m.crawled_sha, m.status, m.object_id, (e.model_id is not null) as has_error,
                       coalesce(e.permanent, false) as permanent, m.sha
                from models as m
                join wanted_ids as w using (model_id)
                left join open_errors as e using (model_id)
                """
            ).fetchall()
        finally:
            self.con.unregister("wanted_ids")
        return {
            r[0]: {
                "crawled_sha": r[1], "status": r[2], "object_id": r[3], "has_error": bool(r[4]),
                "permanent_error": bool(r[5]), "sha": r[6],
            }
            for r in rows
        }

    def known_commits(self, model_id: str) -> dict[str, int]:
        """Reachable stored commits of a model: id → position."""
        rows = self.con.execute(
            "select commit_id, position from commits where model_id = ? and unreachable_since is null",
            [model_id],
        ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def current_files(self, model_id: str) -> dict[str, dict[str, Any]]:
        rows = self.con.execute(
            "select path, blob, sha256, size from model_files where model_id = ?", [model_id]
        ).fetchall()
        return {r[0]: {"blob": r[1], "sha256": r[2], "size": r[3]} for r in rows}

    def present_models(self, author: str | None = None) -> dict[str, str | None]:
        if author is None:
            rows = self.con.execute("select model_id, object_id from models where status = 'present'").fetchall()
        else:
            rows = self.con.execute(
                "select model_id, object_id from models where status = 'present' and author = ?", [author]
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    # ------------------------------------------------------------------------------------ writes
    def write(self, batch: ModelBatch, snapshot_id: int) -> None:
        """Write one batch atomically: data, crawl state and errors together."""
        con = self.con
        con.execute("begin")
        try:
            self._upsert_models(batch.models)
            self._insert("model_snapshots", batch.model_snapshots, replace_keys=["snapshot_id", "model_id"])
            for model_id, commit_ids in batch.unreachable:
                con.execute(
                    "update commits set unreachable_since = ? where model_id = ? and unreachable_since is null "
                    "and list_contains(?, commit_id)",
                    [snapshot_id, model_id, commit_ids],
                )
            self._insert("commits", batch.commits, replace_keys=["model_id", "commit_id"])
            self._insert("file_changes", batch.file_changes, replace_keys=["model_id", "commit_id", "path"])
            for model_id, files in batch.model_files_replace.items():
                con.execute("delete from model_files where model_id = ?", [model_id])
                self._insert("model_files", files)
            self._insert("card_versions", batch.card_versions, replace_keys=["model_id", "commit_id"])
            self._insert("file_contents", batch.file_contents, replace_keys=["model_id", "commit_id", "path"])
            self._insert("refs", batch.refs, replace_keys=["snapshot_id", "model_id"])
            self._insert("model_base_models", batch.model_base_models, replace_keys=["snapshot_id", "model_id"])
            if batch.resolved_errors:
                con.execute(
                    "update crawl_errors set resolved_snapshot = ? where resolved_snapshot is null "
                    "and list_contains(?, model_id)",
                    [snapshot_id, batch.resolved_errors],
                )
            self._insert("crawl_errors", batch.crawl_errors)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise

    def _insert(self, table: str, rows: Sequence[dict[str, Any]], replace_keys: list[str] | None = None) -> None:
        if not rows:
            return
        frame = _frame(table, rows)
        self.con.register("incoming", frame)
        try:
            cols = ", ".join(COLUMNS[table])
            if replace_keys and replace_keys != PRIMARY_KEYS.get(table):
                keys = " and ".join(f"t.{k} = i.{k}" for k in replace_keys)
                self.con.execute(f"delete from {table} as t where exists (select 1 from incoming as i where {keys})")
            verb = "insert or replace" if replace_keys and replace_keys == PRIMARY_KEYS.get(table) else "insert"
            self.con.execute(f"{verb} into {table} ({cols}) select {cols} from incoming")
        finally:
            self.con.unregister("incoming")

    def _upsert_models(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert new models; update metadata of known ones, keeping first_snapshot and crawl state
        unless the row carries new crawl state."""
        if not rows:
            return
        frame = _frame("models", rows)
        self.con.register("incoming", frame)
        try:
            self.con.execute(
                """
                create or replace temp table merged as
                select i.* replace (
                    coalesce(m.first_snapshot, i.first_snapshot) as first_snapshot,
                    coalesce(i.crawled_sha, m.crawled_sha) as crawled_sha,
                    coalesce(i.crawled_snapshot, m.crawled_snapshot) as crawled_snapshot,
                    coalesce(i.object_id, m.object_id) as object_id,
                    coalesce(i.created_at, m.created_at) as created_at
                )
                from incoming as i left join models as m using (model_id)
                """
            )
            self.con.execute("delete from models where model_id in (select model_id from merged)")
            cols = ", ".join(COLUMNS["models"])
            self.con.execute(f"insert into models ({cols}) select {cols} from merged")
            self.con.execute("drop table merged")
        finally:
            self.con.unregister("incoming")

    def mark_models(self, model_ids: Sequence[str], status: str, snapshot_id: int, renamed_to: str | None = None) -> None:
        """Record models that vanished or were renamed; their data stays."""
        if not model_ids:
            return
        self.con.execute("begin")
        try:
            self.con.execute(
                "update models set status = ?, renamed_to = coalesce(?, renamed_to), last_snapshot = ? "
                "where list_contains(?, model_id)",
                [status, renamed_to, snapshot_id, list(model_ids)],
            )
            self._insert(
                "model_snapshots",
                [{"snapshot_id": snapshot_id, "model_id": m, "status": status} for m in model_ids],
                replace_keys=["snapshot_id", "model_id"],
            )
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise


def replace_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    types: dict[str, str],
    order_by: str | None,
) -> None:
    """(Re)create an analysis table from a frame in bulk, each column cast to its declared type, in
    a fixed order (``order_by``; ``None`` keeps the frame's): the one way analysers write their tables."""
    view = f"_incoming_{table}"
    columns = ", ".join(f"cast({c} as {t}) as {c}" for c, t in types.items())
    order = f" order by {order_by}" if order_by else ""
    con.register(view, frame)
    try:
        con.execute(f"create or replace table {table} as select {columns} from {view}{order}")
    finally:
        con.unregister(view)


def json_value(value: Any) -> Any:
    """A JSON column's value as read back through pandas: parsed, or None when null or not JSON."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dict | list):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' order by table_name"
    ).fetchall()
    return [r[0] for r in rows]
