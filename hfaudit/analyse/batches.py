"""What the analysers share: model ranges, a process pool, Arrow batch writes, DuckDB Python functions.

- ``weighted_ranges`` cuts the models into ranges on an ordered key (a model id, or a number given to
  each model) that each hold about as many rows as memory allows, for a query that runs once per
  range (weight events);
- ``parallel_map`` runs Python work on as many worker processes as DuckDB's ``threads`` setting
  (``--jobs``), and ``BatchWriter`` appends each result to its table as one Arrow batch (the name
  parser);
- ``sql_functions`` lends Python functions to a step's queries, and ``temp_tables`` holds its
  intermediate tables: in the stage database (``stage_database``, a file beside the store that an
  analysis run attaches) when one is attached, else as DuckDB temporary tables.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from hfaudit.store import schema

T = TypeVar("T")
R = TypeVar("R")

Bounds = tuple[Any, Any]  # a half-open range [lo, hi) on a model key; None is unbounded


def jobs(con: duckdb.DuckDBPyConnection) -> int:
    """Worker processes for the Python part: DuckDB's ``threads`` (``--jobs``), at least one."""
    rows = con.execute("select current_setting('threads')").fetchall()
    try:
        return max(1, int(rows[0][0])) if rows else 1
    except (TypeError, ValueError):
        return 1


def memory_limit_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """DuckDB's ``memory_limit`` on ``con``, in bytes (it reads back as text such as ``1.8 GiB``)."""
    import re

    rows = con.execute("select current_setting('memory_limit')").fetchall()
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?i?B)\s*", str(rows[0][0]) if rows else "")
    if not match:
        return 4 << 30
    units = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
             "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}  # fmt: skip
    return int(float(match.group(1)) * units.get(match.group(2).upper(), 1))


def weighted_ranges(con: duckdb.DuckDBPyConnection, rows_per_range: int, counts: str) -> list[Bounds]:
    """Half-open ``[lo, hi)`` bounds on a model key that hold about ``rows_per_range`` rows each of
    ``counts``, a query of ``(key, n)`` by position (at most that many, and one model's rows more);
    every key falls in exactly one range.

    Each range of a query costs a scan of its inputs (of a range's row groups, when they are sorted
    by the key), so ranges are as large as memory allows, rather than a fixed number of models."""
    cuts = [
        r[0]
        for r in con.execute(
            f"""
            with counted(key, n) as (select * from ({counts})),
            per as (select key, n from counted where key is not null),
            buckets as (
                select key,
                       floor(coalesce(sum(n) over (order by key rows between unbounded preceding and 1 preceding), 0) / ?)
                           as bucket
                from per
            )
            select min(key) from buckets where bucket > 0 group by bucket order by 1
            """,
            [max(1, rows_per_range)],
        ).fetchall()
    ]
    bounds: list[Any] = [None, *cuts, None]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def in_range(column: str, lo: str = "lo", hi: str = "hi") -> str:
    """SQL predicate: ``column`` in the range of named parameters ``$lo`` and ``$hi`` (or others)."""
    return f"((${lo} is null or {column} >= ${lo}) and (${hi} is null or {column} < ${hi}))"


def params(bounds: Bounds) -> dict[str, Any]:
    return {"lo": bounds[0], "hi": bounds[1]}


def parallel_map(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``map(func, items)`` in order, on ``workers`` processes (inline when one); ``func`` and the
    items must pickle. At most one item per worker, and one more, is in flight (read, sent, or
    returned and not yet written), so memory stays bounded by the batch size.

    ``initializer(*initargs)`` runs once in each worker before its first item (in this process
    when inline): what every item shares is sent once per worker, not once per item."""
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(func, items)
        return
    # spawn, not fork: the parent holds DuckDB's threads and locks.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer, initargs=initargs) as pool:
        pending = []
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) > workers:
                yield pending.pop(0).result()
        for fut in pending:
            yield fut.result()


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class BatchWriter:
    """Replace analysis table ``table`` and append row batches to it, cast to the declared types.

    Rows are tuples in ``schema.columns(table)`` order. ``finish(order_by)`` rewrites the table
    ordered (DuckDB sorts out of core) when the batches alone do not give the order.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, into: str | None = None):
        """``into``: a temporary table of ``table``'s columns to write instead (a read-only store
        can hold one)."""
        self.con, self.declared = con, table
        self.table = into or table
        self.columns = schema.columns(table)
        self.rows = 0
        if into:
            cols = ", ".join(f"{c} {t}" for c, t in schema.types(table).items())
            con.execute(f"create or replace temp table {into} ({cols})")
        else:
            con.execute(schema.empty_table_ddl(table))

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        batch = pa.table({c: pa.array([r[i] for r in rows]) if rows else pa.array([]) for i, c in enumerate(self.columns)})
        self.append_arrow(batch)

    def append_arrow(self, batch: pa.Table) -> None:
        if batch.num_rows == 0:
            return
        view = f"_batch_{self.table}"
        cols = ", ".join(f"cast({c} as {t})" for c, t in schema.types(self.declared).items())
        self.con.register(view, batch)
        try:
            self.con.execute(f"insert into {self.table} select {cols} from {view}")
        finally:
            self.con.unregister(view)
        self.rows += batch.num_rows

    def finish(self, order_by: str | None = None) -> int:
        if order_by:
            self.con.execute(f"create or replace table {self.table} as select * from {self.table} order by {order_by}")
        return self.rows


FunctionSpec = tuple[Callable[..., Any], Sequence[Any], Any, Mapping[str, Any]]
"""A DuckDB Python function: the callable, its parameter types, its return type and the other
keywords of ``create_function`` (``type``, ``null_handling``, ``side_effects``)."""


@contextlib.contextmanager
def sql_functions(con: duckdb.DuckDBPyConnection, functions: Mapping[str, FunctionSpec]) -> Iterator[None]:
    """``functions`` registered on ``con`` for the block's queries, and removed after it, on an error
    too. A result an earlier statement left pending would refuse a registration, so it is drained
    first; a function of the same name that an aborted run left behind is replaced."""
    con.execute("select 1").fetchall()
    for name, (func, args, result, options) in functions.items():
        with contextlib.suppress(duckdb.InvalidInputException):  # no such function: nothing to replace
            con.remove_function(name)
        con.create_function(name, func, list(args), result, **options)
    try:
        yield
    finally:
        for name in functions:
            with contextlib.suppress(duckdb.Error):  # in an aborted transaction it goes with the connection
                con.remove_function(name)


# The intermediate tables of an analysis run live in a DuckDB file of their own beside the store
# (``<db>.stage``), attached under this name for the run's time, instead of as temporary tables:
# DuckDB keeps a temporary table's blocks uncompressed in memory and writes them to ``<db>.tmp`` when
# memory runs short, and reads them back; a file database's blocks are compressed, and once written
# DuckDB can drop them from memory and read them again without writing (1M models: the releases step
# 67 s against 75-78 s, 32 s of system time against 42-46 s; docs/scale.md).
STAGE = "hfaudit_stage"


def stage_path(db: str) -> str:
    return str(db) + ".stage"


@contextlib.contextmanager
def stage_database(con: duckdb.DuckDBPyConnection, db: str) -> Iterator[None]:
    """Attach ``<db>.stage`` (a new file; one a killed run left behind is removed first) as ``STAGE``
    for the block, its ``main`` schema last on the search path so that the steps' queries name its
    tables unqualified; detach and remove it after the block, on an error too."""
    path = stage_path(db)
    _remove_stage_files(path)
    current = con.execute("select current_database()").fetchall()[0][0]
    con.execute(f"attach '{_text(path)}' as {STAGE}")
    con.execute(f"""set search_path = '{_text(_ident(current))}.main,{STAGE}.main'""")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("reset search_path")
        with contextlib.suppress(duckdb.Error):
            con.execute(f"detach {STAGE}")
        _remove_stage_files(path)


def _remove_stage_files(path: str) -> None:
    for name in (path, path + ".wal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


def _text(value: str) -> str:
    return value.replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def staged_prefix(con: duckdb.DuckDBPyConnection) -> str:
    """Where a step's intermediate tables go: ``hfaudit_stage.main.`` when the stage database is
    attached and no transaction is open (a DuckDB transaction writes to one database only), else ''
    (temporary tables)."""
    attached = con.execute("select count(*) from duckdb_databases() where database_name = ?", [STAGE]).fetchall()
    if not (attached and attached[0][0]) or in_transaction(con):
        return ""
    return f"{STAGE}.main."


def staged(con: duckdb.DuckDBPyConnection, sql: str, prefix: str | None = None) -> str:
    """``sql`` with each ``create or replace temp table`` of it made in the stage database when one is
    in use (``staged_prefix``)."""
    prefix = staged_prefix(con) if prefix is None else prefix
    return sql.replace("create or replace temp table ", f"create or replace table {prefix}") if prefix else sql


class TempTables:
    """The intermediate tables of one step (``temp_tables``): in the stage database when one is in
    use (``staged_prefix``, read once when the step begins), else temporary tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.names: list[str] = []
        self.prefix = staged_prefix(con)

    def create(self, name: str, sql: str) -> None:
        """``create or replace temp table name as sql`` (in the stage database when one is in use),
        dropped when the step ends."""
        self.con.execute(self.sql(f"create or replace temp table {name} as {sql}"))
        self.adopt(name)

    def sql(self, sql: str) -> str:
        """``sql``'s ``create or replace temp table`` statements where this step's tables go."""
        return staged(self.con, sql, self.prefix)

    def adopt(self, *names: str) -> None:
        """Tables the step makes itself (or may make), dropped when it ends if they exist."""
        self.names += [n for n in names if n not in self.names]

    def keep(self, *names: str) -> None:
        """Leave these tables in place when the step ends, for a later step of the run to read: only
        in the stage database, which the run removes when it ends (``stage_database``)."""
        if not self.prefix:
            raise ValueError("only the stage database keeps a step's tables beyond it")
        self.names = [n for n in self.names if n not in names]

    def drop(self, *names: str) -> None:
        """Drop tables the step no longer reads. Outside a transaction that frees their memory at
        once; inside one, DuckDB keeps a dropped table's rows until the transaction ends."""
        for name in names:
            self.con.execute(f"drop table if exists {self.prefix}{name}")
            if name in self.names:
                self.names.remove(name)

    def drop_unread(self, later: Sequence[str]) -> None:
        """Drop every table of this step that exists and that no query of ``later`` (the SQL still
        to run) names."""
        import re

        existing = {
            r[0]
            for r in self.con.execute(
                "select table_name from duckdb_tables() where temporary or database_name = ?", [STAGE]
            ).fetchall()
        }
        self.drop(*(t for t in self.names if t in existing and not any(re.search(rf"\b{re.escape(t)}\b", q) for q in later)))

    def create_all(self, steps: Sequence[tuple[str, str]], then: Sequence[str] = ()) -> None:
        """Create each of ``steps`` (name, query) in order, dropping every table of this step as soon
        as no later query (of ``steps``, or of ``then``, the queries run after them) names it."""
        queries = [sql for _, sql in steps] + list(then)
        for i, (name, sql) in enumerate(steps):
            self.create(name, sql)
            self.drop_unread(queries[i + 1 :])


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` is inside a transaction begun explicitly: there, two statements share one
    transaction id; in autocommit mode each has its own. (Probing with ``begin`` would abort the
    caller's transaction when it fails.)"""
    probe = "select txid_current()"
    first, second = con.execute(probe).fetchall(), con.execute(probe).fetchall()
    return bool(first and second and first[0][0] == second[0][0])


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's statements in one transaction: its writes land together, or not at all. Inside a
    transaction the caller began, the block is part of that one.

    A step builds its intermediate tables before it, outside any transaction, so that the tables it
    has done with free their memory when dropped (``TempTables.drop``), and writes its analysis
    tables inside it."""
    own = not in_transaction(con)
    if own:
        con.execute("begin")
    try:
        yield
    except BaseException:
        if own:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
        raise
    if own:
        con.execute("commit")


@contextlib.contextmanager
def temp_tables(con: duckdb.DuckDBPyConnection) -> Iterator[TempTables]:
    """A step's intermediate tables, dropped after the block, on an error too (in an aborted
    transaction they go with it)."""
    temps = TempTables(con)
    try:
        yield temps
    finally:
        for name in reversed(temps.names):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"drop table if exists {temps.prefix}{name}")
