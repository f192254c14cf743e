"""Streaming the per-model work of an analyser: model ranges, a process pool, Arrow batch writes.

The analysers whose rules walk one model's history in order (weight events and their signals,
semver reasons) read their inputs one range of models at a time (``model_ranges``: bounds on
``model_id``, ``BATCH_MODELS`` models each), hand each range's rows to a worker process
(``parallel_map``, as many workers as DuckDB's ``threads`` setting, that is ``--jobs``), and append
each range's result to the output table as one Arrow batch (``BatchWriter``). Memory then holds one
range per worker, whatever the size of the store, and the Python part runs on every core.
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

BATCH_MODELS = 2500
T = TypeVar("T")
R = TypeVar("R")

Bounds = tuple[str | None, str | None]


def jobs(con: duckdb.DuckDBPyConnection) -> int:
    """Worker processes for the Python part: DuckDB's ``threads`` (``--jobs``), at least one."""
    rows = con.execute("select current_setting('threads')").fetchall()
    try:
        return max(1, int(rows[0][0])) if rows else 1
    except (TypeError, ValueError):
        return 1


def model_ranges(con: duckdb.DuckDBPyConnection, size: int | None = None, table: str = "models") -> list[Bounds]:
    """Half-open ``[lo, hi)`` bounds on ``model_id`` that cut ``table`` into ranges of ``size`` models
    (``None``: unbounded; ``size`` defaults to ``BATCH_MODELS``); every model id (also ones only in
    other tables) falls in exactly one."""
    cuts = [
        r[0]
        for r in con.execute(
            f"""
            with ids as (select model_id, row_number() over (order by model_id) - 1 as i from {table})
            select model_id from ids where i > 0 and i % ? = 0 order by model_id
            """,
            [size or BATCH_MODELS],
        ).fetchall()
    ]
    bounds: list[str | None] = [None, *cuts, None]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


class SortedStreams:
    """Several queries, each ordered by a model id in its first column, read once each on its own
    cursor and cut into the rows of consecutive model ranges: one sorted scan per input, whatever
    the number of ranges (a filter per range would scan an unsorted crawl table once per range).

    ``take(bounds)`` must be called with the ranges in order."""

    CHUNK = 50_000

    def __init__(self, con: duckdb.DuckDBPyConnection, queries: dict[str, str], args: dict[str, Any] | None = None):
        # Streamed in Arrow batches (``execute`` would materialise each whole result in memory).
        self.cursors = {name: con.cursor() for name in queries}
        self.readers = {
            name: self.cursors[name].sql(sql, params=args).to_arrow_reader(self.CHUNK) for name, sql in queries.items()
        }
        self.buffers: dict[str, list[Any]] = {name: [] for name in queries}
        self.done: dict[str, bool] = {name: False for name in queries}

    def _fill(self, name: str) -> bool:
        if self.done[name]:
            return False
        try:
            batch = self.readers[name].read_next_batch()
        except StopIteration:
            self.done[name] = True
            return False
        self.buffers[name].extend(zip(*(col.to_pylist() for col in batch.columns), strict=True))
        return True

    def take(self, bounds: Bounds) -> dict[str, list[Any]]:
        hi = bounds[1]
        out: dict[str, list[Any]] = {}
        for name in self.buffers:
            got: list[Any] = []
            while True:
                buf = self.buffers[name]
                if hi is None:
                    got.extend(buf)
                    buf.clear()
                    if not self._fill(name):
                        break
                    continue
                # rows are sorted by their first column: cut at the first id at or past hi
                cut = next((i for i, r in enumerate(buf) if r[0] is not None and r[0] >= hi), None)
                if cut is not None:
                    got.extend(buf[:cut])
                    del buf[:cut]
                    break
                got.extend(buf)
                buf.clear()
                if not self._fill(name):
                    break
            out[name] = got
        return out

    def close(self) -> None:
        for cur in self.cursors.values():
            cur.close()


def in_range(column: str) -> str:
    """SQL predicate: ``column`` in the range of named parameters ``$lo`` and ``$hi``."""
    return f"(($lo is null or {column} >= $lo) and ($hi is null or {column} < $hi))"


def params(bounds: Bounds) -> dict[str, Any]:
    return {"lo": bounds[0], "hi": bounds[1]}


def parallel_map(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(func, items)`` in order, on ``workers`` processes (inline when one); ``func`` and the
    items must pickle. At most one item per worker, and one more, is in flight (read, sent, or
    returned and not yet written), so memory stays bounded by the batch size."""
    if workers <= 1:
        yield from map(func, items)
        return
    # spawn, not fork: the parent holds DuckDB's threads and locks.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
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

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str):
        self.con, self.table = con, table
        self.columns = schema.columns(table)
        self.rows = 0
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
        cols = ", ".join(f"cast({c} as {t})" for c, t in schema.types(self.table).items())
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
