"""The DuckDB store: schema, migrations and bulk writes.

Table names and their key columns are a contract (``docs/schema.md``); columns may be added,
never renamed without a migration. Every write goes through pandas frames in one transaction per
batch, and the crawl state (``models.crawled_sha``) commits in the same transaction as the data,
so a killed crawl resumes with no loss and no duplicates.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from hfaudit.errors import HfauditError
from hfaudit.store import schema
from hfaudit.store.schema import SCHEMA_VERSION
from hfaudit.types import ModelId

if TYPE_CHECKING:  # pandas is imported where a frame is built: a read-only command need not pay for it
    import pandas as pd

# The crawl tables' DDL, their column order (frames are reindexed to it) and the keys that make a
# write an upsert all come from the one declaration in ``hfaudit.store.schema``.
SCHEMA = schema.crawl_ddl()
COLUMNS: dict[str, list[str]] = {t.name: t.column_names for t in schema.TABLES_LIST if t.kind == schema.CRAWL}
PRIMARY_KEYS: dict[str, list[str]] = {
    t.name: list(t.key) for t in schema.TABLES_LIST if t.kind == schema.CRAWL and t.key
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
        self.con = self._connect(read_only)
        if read_only:
            # One connection when the store is current (most reads); an older store is migrated
            # first, through a writable connection, then opened again read-only.
            try:
                migrated = _migrate_before_reading(self.path, self.con)
            except BaseException:
                self.con.close()
                raise
            if migrated:
                self.con = self._connect(read_only)
        else:
            self.migrate()

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise HfauditError(f"cannot open database {self.path}: {str(exc).splitlines()[0]}", code=2) from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # ------------------------------------------------------------------------------------ schema
    def migrate(self) -> None:
        """Create the crawl tables of a new store, or bring an older store up to ``SCHEMA_VERSION``
        (once, in one transaction, saying so in one line on stderr); refuse a newer one."""
        self.con.execute("begin")
        try:
            found = _schema_version(self.con)
            if found is not None and found > SCHEMA_VERSION:
                raise HfauditError(
                    f"database {self.path} has schema {found}, newer than this hfaudit ({SCHEMA_VERSION}): upgrade hfaudit",
                    code=2,
                )
            self.con.execute(SCHEMA)
            added = _add_missing_columns(self.con)
            if found is None:
                self.con.execute("insert or replace into meta values ('schema_version', ?)", [str(SCHEMA_VERSION)])
            elif found < SCHEMA_VERSION:
                self.con.execute("update meta set value = ? where key = 'schema_version'", [str(SCHEMA_VERSION)])
                print(
                    f"hfaudit: migrated {self.path} from schema {found} to {SCHEMA_VERSION} ({added} columns added)",
                    file=sys.stderr,
                )
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise

    # --------------------------------------------------------------------------------- snapshots
    def begin_snapshot(self, endpoint: str, scope: dict[str, Any], version: str) -> int:
        """A new ``running`` snapshot. One still ``running`` was killed mid-run (a crawl holds the
        store's write lock, so no other can be under way): it is marked ``interrupted`` first."""
        self.con.execute("update snapshots set status = 'interrupted' where status = 'running'")
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

    def crawl_state(self, model_ids: Iterable[ModelId]) -> dict[ModelId, dict[str, Any]]:
        """Per model: the head whose history is stored, and whether an error is open for it."""
        import pandas as pd

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
                    where resolved_snapshot is null and stage <> 'card'
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

    def known_commits(self, model_id: ModelId) -> dict[str, int]:
        """Reachable stored commits of a model: id → position."""
        rows = self.con.execute(
            "select commit_id, position from commits where model_id = ? and unreachable_since is null",
            [model_id],
        ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def current_files(self, model_id: ModelId) -> dict[str, dict[str, Any]]:
        rows = self.con.execute(
            "select path, blob, sha256, size from model_files where model_id = ?", [model_id]
        ).fetchall()
        return {r[0]: {"blob": r[1], "sha256": r[2], "size": r[3]} for r in rows}

    def present_models(self, author: str | None = None) -> dict[ModelId, str | None]:
        if author is None:
            rows = self.con.execute("select model_id, object_id from models where status = 'present'").fetchall()
        else:
            rows = self.con.execute(
                "select model_id, object_id from models where status = 'present' and author = ?", [author]
            ).fetchall()
        return {ModelId(r[0]): r[1] for r in rows}

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

    def mark_models(self, model_ids: Sequence[ModelId], status: str, snapshot_id: int, renamed_to: str | None = None) -> None:
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


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version a store records, or None for a store with no ``meta`` table yet."""
    has_meta = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = 'meta'"
    ).fetchone()
    if not has_meta or not has_meta[0]:
        return None
    row = con.execute("select value from meta where key = 'schema_version'").fetchone()
    if row is None:
        return None
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise HfauditError(f"meta.schema_version is not a number: {row[0]!r}", code=2) from None


def _add_missing_columns(con: duckdb.DuckDBPyConnection) -> int:
    """Add every declared column a crawl table lacks (the additive part of every migration)."""
    have = {
        (t, c)
        for t, c in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'main'"
        ).fetchall()
    }
    added = 0
    for table in schema.TABLES_LIST:
        if table.kind != schema.CRAWL:
            continue
        for col in table.columns:
            if (table.name, col.name) not in have:
                con.execute(f"alter table {table.name} add column {col.name} {col.type}")
                added += 1
    return added


def _migrate_before_reading(path: Path, con: duckdb.DuckDBPyConnection) -> bool:
    """A read-only command on a store written by an older hfaudit migrates it first (once); a store
    that cannot be written is read as it is only when it is current. ``con`` is the read-only
    connection: it is closed (and True returned) when the store was migrated through another one."""
    found = _schema_version(con)
    if found is not None and found > SCHEMA_VERSION:
        raise HfauditError(
            f"database {path} has schema {found}, newer than this hfaudit ({SCHEMA_VERSION}): upgrade hfaudit", code=2
        )
    if found is not None and found < SCHEMA_VERSION:
        if not os.access(path, os.W_OK):
            raise HfauditError(
                f"database {path} has schema {found} and is read-only: copy it somewhere writable to migrate it", code=2
            )
        con.close()
        Store(path).close()
        return True
    return False


def replace_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    order_by: str | None,
) -> None:
    """(Re)create an analysis table from a frame in bulk, with the columns and types that
    ``hfaudit.store.schema`` declares for it, in a fixed order (``order_by``; ``None`` keeps the
    frame's): the one way analysers write their tables from frames."""
    view = f"_incoming_{table}"
    columns = ", ".join(f"cast({c} as {t}) as {c}" for c, t in schema.types(table).items())
    order = f" order by {order_by}" if order_by else ""
    con.register(view, frame)
    try:
        con.execute(f"create or replace table {table} as select {columns} from {view}{order}")
    finally:
        con.unregister(view)


def create_table_as(
    con: duckdb.DuckDBPyConnection,
    table: str,
    query: str,
    order_by: str,
    params: Sequence[Any] | None = None,
) -> None:
    """(Re)create an analysis table from a query, each column cast to the type that
    ``hfaudit.store.schema`` declares, in the declared column order, rows in ``order_by``."""
    columns = ", ".join(f"cast({c} as {t}) as {c}" for c, t in schema.types(table).items())
    con.execute(
        f"create or replace table {table} as select {columns} from ({query}) as _q order by {order_by}", params or []
    )


def json_value(value: Any) -> Any:
    """A JSON column's value as read back through pandas: parsed, or None when null or not JSON."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
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
