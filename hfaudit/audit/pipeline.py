"""What ``hfaudit analyse`` runs: every analyser of ``hfaudit.analyse``, then the audits and scores.

The analysers judge nothing; the audits read their tables. Keeping the two lists apart lets
``analyse`` stay free of ``audit``, and this module is the one place where the stages are chained.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from hfaudit.analyse import ANALYSERS, run_steps


def _audits(con: duckdb.DuckDBPyConnection) -> str:
    from hfaudit.analyse.batches import transaction
    from hfaudit.audit import build_findings_table
    from hfaudit.audit.scores import build_score_tables

    with transaction(con):  # findings and the scores read from them land together
        run = build_findings_table(con)
        build_score_tables(con, run)
    found = sum(run.outcome(a)["findings"] for a in run.audits)
    return f"audits: {found} findings from {len(run.audits) - len(run.skipped)} audits ({len(run.skipped)} skipped)"


def analyse(db: str, memory: str | None = None, jobs: int | None = None) -> Iterator[str]:
    """Run every analyser in order, then the audits, each writing its tables in one transaction; one summary line each.

    ``memory`` and ``jobs`` set DuckDB's ``memory_limit`` and ``threads`` (and the worker processes
    of the per-model Python parts); see ``hfaudit.analyse.configure``."""
    yield from run_steps(db, [*ANALYSERS, ("audits", _audits)], memory, jobs)
