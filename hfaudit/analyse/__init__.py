"""The analysers: (re)build every analysis table from what is crawled.

Each analyser reads the crawl tables and replaces its own tables, so running it twice gives the
same result. Analysers are listed in ``ANALYSERS`` in the order they depend on one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import duckdb

from hfaudit.store import Store

Analyser = Callable[[duckdb.DuckDBPyConnection], str]


def _weight_file_changes(con: duckdb.DuckDBPyConnection) -> str:
    con.execute(
        """
        create or replace view weight_file_changes as
        select fc.*, c.committed_at, c.title
        from file_changes as fc
        join commits as c using (model_id, commit_id)
        where fc.category = 'weights'
        """
    )
    # Counted on file_changes: counting the view runs its join to commits (4 s of a 1M-model run)
    # for a summary line. The crawler writes a commit's file changes with the commit, so the two
    # counts differ only for rows whose commit is missing, which no crawl writes.
    n = con.execute("select count(*) from file_changes where category = 'weights'").fetchone()
    return f"weight_file_changes: a view over {n[0] if n else 0} weight file changes"


def _naming(con: duckdb.DuckDBPyConnection) -> str:
    from hfaudit.analyse.naming.tables import build_naming_tables

    build_naming_tables(con)  # each builder writes its tables in one transaction of its own
    named = con.execute("select count(*), count(distinct convention) from naming").fetchone()
    series = con.execute("select count(distinct series_id) from version_series").fetchone()
    return (
        f"naming: {named[0] if named else 0} models, {named[1] if named else 0} conventions, "
        f"{series[0] if series else 0} version series"
    )


def _releases(con: duckdb.DuckDBPyConnection) -> str:
    from hfaudit.analyse.releases import build_release_tables

    return build_release_tables(con)


def _semver(con: duckdb.DuckDBPyConnection) -> str:
    from hfaudit.analyse.semver import build_semver_tables

    changes, releases = build_semver_tables(con)
    under = con.execute("select count(*) from semver_releases where under_bump").fetchone()
    return f"semver: {releases} releases ({under[0] if under else 0} under-bumps), {changes} changing commits"


def _lineage(con: duckdb.DuckDBPyConnection) -> str:
    from hfaudit.analyse.lineage import build_lineage_tables

    counts = build_lineage_tables(con)
    return f"lineage: {counts['lineage_edges']} edges, {counts['lineage_conflicts']} conflicts"


ANALYSERS: list[tuple[str, Analyser]] = [
    ("weight_file_changes", _weight_file_changes),
    ("naming", _naming),
    ("lineage", _lineage),
    ("releases", _releases),
    ("semver", _semver),
]


# Fits a 2-core 8 GB machine beside the worker processes: a 100k-model store analyses in 1.3 GB of
# RSS; a larger store spills to <db>.tmp, and runs faster with more (docs/scale.md).
DEFAULT_MEMORY = "1GB"


def configure(con: duckdb.DuckDBPyConnection, db: str, memory: str | None = None, jobs: int | None = None) -> None:
    """DuckDB's ``memory_limit`` and ``threads`` for an analysis run (``--memory``, ``--jobs``), and a
    ``temp_directory`` beside the store so that a sort or join larger than memory spills to disk."""
    from hfaudit.analyse.batches import default_jobs

    con.execute(f"set memory_limit = '{_memory(memory or DEFAULT_MEMORY)}'")
    con.execute(f"set threads = {int(jobs) if jobs else default_jobs()}")
    con.execute(f"set temp_directory = '{_sql_text(str(db) + '.tmp')}'")
    con.execute("set preserve_insertion_order = false")


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _memory(value: str) -> str:
    import re

    from hfaudit.errors import HfauditError

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, re.IGNORECASE):
        raise HfauditError(f"--memory must be a size such as 2GB or 512MB, not {value!r}", code=2)
    return value.strip()


def run_steps(
    db: str, steps: Sequence[tuple[str, Analyser]], memory: str | None = None, jobs: int | None = None
) -> Iterator[str]:
    """Run ``steps`` in order on the store at ``db``; one summary line each.

    Each analyser's builder writes its tables in one transaction of its own (``batches.transaction``),
    opened after it builds its intermediate tables where those are large (``semver``, ``lineage``: so
    that it can drop them as it goes), so a step that fails leaves every table as it was."""
    from hfaudit.analyse.batches import stage_database

    with Store(db, create=False) as store, stage_database(store.con, db):
        configure(store.con, db, memory, jobs)
        for name, step in steps:
            line = step(store.con)
            yield f"analyse: {line}" if line else f"analyse: {name} done"


def analyse_tables(db: str, memory: str | None = None, jobs: int | None = None) -> Iterator[str]:
    """Only the analysis tables (no audits): ``hfaudit.audit.pipeline.analyse`` adds the audits."""
    yield from run_steps(db, ANALYSERS, memory, jobs)
