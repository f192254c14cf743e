"""Release history: weight changes, whether they were documented, and release transparency.

``build_release_tables(con)`` (the ``releases`` entry of ``hfaudit analyse``, after ``naming``)
replaces three tables from the crawl tables:

- ``weight_changes``: every change to a weight file (``initial``, ``replaced``, ``added``,
  ``deleted``, ``converted``) with its commit, sha256s and sizes, the version signals that
  accompany it and whether it was ``documented`` (:mod:`.events`, :mod:`.signals`);
- ``transparency``: per model and snapshot, what the card at the snapshot's head declares
  (:mod:`.transparency`);
- ``version_pair_changes``: the study's §6.3 change flags between a version and its predecessor
  (:mod:`.measures`).

:mod:`.paper` holds the study's extension categories and count measures; :mod:`.measures`
computes the study's measures from a store beside hfaudit's own (``hfaudit paper releases``).
"""

from __future__ import annotations

import duckdb

from hfaudit.analyse.releases.build import build_weight_changes
from hfaudit.analyse.releases.signals import Window
from hfaudit.analyse.releases.transparency import build_transparency

__all__ = ["Window", "build_release_tables", "build_transparency", "build_weight_changes"]


# ``weight_changes`` while it is built, before it replaces the table of that name.
PENDING = "_weight_changes_pending"


def build_release_tables(con: duckdb.DuckDBPyConnection, window: Window | None = None) -> str:
    """(Re)build ``weight_changes``, ``transparency`` and ``version_pair_changes``; the three land
    together, in one transaction (``batches.transaction``), or not at all.

    ``weight_changes``, the large one, is built first, outside that transaction, as ``PENDING``: each
    range's insert commits on its own, so DuckDB writes it out and frees its memory (in one
    transaction every range's rows and the dropped staging tables stayed in memory to its end; at 1M
    models that made the step a third slower, docs/scale.md). The transaction then renames ``PENDING`` to
    ``weight_changes`` and writes the two smaller tables; a failure anywhere leaves every table as it
    was, and ``PENDING`` is dropped."""
    import contextlib

    from hfaudit.analyse.batches import transaction

    try:
        events = build_weight_changes(con, window, table=PENDING)
        with transaction(con):
            summary = _build_release_tables(con, events)
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"drop table if exists {PENDING}")
    return summary


def _build_release_tables(con: duckdb.DuckDBPyConnection, events: int) -> str:
    from hfaudit.analyse.releases.measures import build_version_pairs

    con.execute("drop table if exists weight_changes")
    con.execute(f"alter table {PENDING} rename to weight_changes")
    cards = build_transparency(con)
    pairs = build_version_pairs(con)
    row = con.execute(
        """
        select count(*) filter (where change_kind = 'replaced'),
               count(*) filter (where change_kind <> 'initial' and not documented)
        from weight_changes
        """
    ).fetchall()[0]
    replaced, silent = (row or (0, 0))
    return (
        f"releases: {events} weight changes ({replaced} in-place replacements, {silent} silent after the "
        f"first release), {cards} transparency rows, {pairs} version pairs"
    )
