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


def build_release_tables(con: duckdb.DuckDBPyConnection, window: Window | None = None) -> str:
    """(Re)build ``weight_changes``, ``transparency`` and ``version_pair_changes``, in one transaction
    (``batches.transaction``: the three land together); one summary line."""
    from hfaudit.analyse.batches import transaction

    with transaction(con):
        return _build_release_tables(con, window)


def _build_release_tables(con: duckdb.DuckDBPyConnection, window: Window | None) -> str:
    from hfaudit.analyse.releases.measures import build_version_pairs

    # The two smaller tables first, before the weight-events query stages its tables: those stay in
    # memory until the transaction ends (no time difference was measurable either way; docs/scale.md).
    cards = build_transparency(con)
    pairs = build_version_pairs(con)
    events = build_weight_changes(con, window)
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
