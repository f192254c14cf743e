"""``hfaudit diff``: what changed between two snapshots of one store.

A model's state as of snapshot S is its latest ``model_snapshots`` row at or before S, so a model
that went in snapshot 2 is still gone when snapshot 3 is compared with snapshot 1. Between ``from``
and ``to``:

- **added**: present at ``to``, not known at ``from``, and not the new id of a renamed model;
- **gone**: present at ``from``, gone at ``to``; **renamed**: present at ``from``, renamed at ``to``
  (old id → new id, matched by the Hub's ``_id``);
- **head_moved**: present at both with another head, and the old head still reachable;
  **history_rewritten**: the old head is no longer reachable (``commits.unreachable_since``);
- **weights_replaced**: weight files modified in place by the commits first stored after ``from``;
- **cards_changed**, **licenses_changed**, **base_models_changed**: the card at each side's head.

``hfaudit report`` uses the same function for its "since the previous snapshot" section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from hfaudit.errors import HfauditError
from hfaudit.store import json_value

PRESENT = ("crawled", "unchanged", "failed")
# Snapshots that may be compared by default: finished ones. A running, interrupted or failed snapshot
# is never a base unless named with --from/--to.
COMPARABLE = ("complete", "partial")


def snapshot_pair(con: duckdb.DuckDBPyConnection, from_snap: int | None, to_snap: int | None) -> tuple[int, int]:
    """The two snapshots to compare: as given, else the last two finished ones (``COMPARABLE``)."""
    rows = con.execute("select snapshot_id, status from snapshots order by snapshot_id").fetchall()
    snaps = [r[0] for r in rows]
    finished = [r[0] for r in rows if r[1] in COMPARABLE]
    for value, option in ((from_snap, "--from"), (to_snap, "--to")):
        if value is not None and value not in snaps:
            have = ", ".join(map(str, snaps)) or "none"
            raise HfauditError(f"{option} {value}: no such snapshot (the store has {have})", code=2)
    to = to_snap if to_snap is not None else (finished[-1] if finished else None)
    if to is None:
        raise HfauditError("the store has no finished snapshot: run 'hfaudit crawl' first", code=2)
    if from_snap is None:
        earlier = [s for s in finished if s < to]
        if not earlier:
            raise HfauditError(f"snapshot {to} is the first: there is nothing to compare it with", code=2)
        from_snap = earlier[-1]
    if from_snap >= to:
        raise HfauditError(f"--from ({from_snap}) must be older than --to ({to})", code=2)
    return from_snap, to


def _card_at(con: duckdb.DuckDBPyConnection, snap: int, ids: list[str]) -> dict[str, Any]:
    """Per model: (front matter, text) of the card at its head as of ``snap`` (absent: no card)."""
    if not ids:
        return {}
    rows = con.execute(
        """
        select cv.model_id, cv.front_matter, cv.content
        from card_versions as cv
        join commits as c using (model_id, commit_id)
        where list_contains(?, cv.model_id) and c.first_snapshot <= ?
          and (c.unreachable_since is null or c.unreachable_since > ?)
        qualify row_number() over (partition by cv.model_id order by c.committed_at desc, c.position desc) = 1
        """,
        [ids, snap, snap],
    ).fetchall()
    return {r[0]: (json_value(r[1]), r[2]) for r in rows}


def snapshot_diff(
    con: duckdb.DuckDBPyConnection,
    from_snap: int | None = None,
    to_snap: int | None = None,
    models: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The diff document (``{"schema": "hfaudit.diff", "version": 1, …}``); ``models`` limits it."""
    a, b = snapshot_pair(con, from_snap, to_snap)
    scope = list(models) if models is not None else None
    rows = con.execute(
        """
        with a as (
            select model_id, sha, status from model_snapshots
            where snapshot_id <= ? and (? is null or list_contains(?, model_id))
            qualify row_number() over (partition by model_id order by snapshot_id desc) = 1
        ),
        b as (
            select model_id, sha, status from model_snapshots
            where snapshot_id <= ? and (? is null or list_contains(?, model_id))
            qualify row_number() over (partition by model_id order by snapshot_id desc) = 1
        )
        select coalesce(a.model_id, b.model_id) as model_id, a.sha, a.status, b.sha, b.status, m.renamed_to
        from a full join b using (model_id)
        left join models as m on m.model_id = coalesce(a.model_id, b.model_id)
        order by 1
        """,
        [a, scope, scope, b, scope, scope],
    ).fetchall()
    present_a = {r[0]: r[1] for r in rows if r[2] in PRESENT}
    renamed = {r[0]: r[5] for r in rows if r[0] in present_a and r[4] == "renamed" and r[5]}
    targets = set(renamed.values())
    gone = sorted(r[0] for r in rows if r[0] in present_a and r[4] == "gone")
    added = sorted(r[0] for r in rows if r[4] in PRESENT and r[0] not in present_a and r[0] not in targets)
    moved = {r[0]: (r[1], r[3]) for r in rows if r[0] in present_a and r[4] in PRESENT and r[1] and r[3] and r[1] != r[3]}
    rewritten_ids = {
        r[0]
        for r in con.execute(
            """
            select distinct model_id from commits
            where list_contains(?, model_id) and list_contains(?, commit_id)
              and unreachable_since > ? and unreachable_since <= ?
            """,
            [list(moved), [old for old, _ in moved.values()], a, b],
        ).fetchall()
    } if moved else set()
    rewritten = sorted(m for m in moved if m in rewritten_ids)
    head_moved = sorted(m for m in moved if m not in rewritten_ids)
    weights = [
        {"model_id": r[0], "path": r[1]}
        for r in con.execute(
            """
            select distinct fc.model_id, fc.path
            from file_changes as fc join commits as c using (model_id, commit_id)
            where list_contains(?, fc.model_id) and fc.category = 'weights' and fc.change_kind = 'modified'
              and c.first_snapshot > ? and c.first_snapshot <= ?
            order by 1, 2
            """,
            [head_moved, a, b],
        ).fetchall()
    ] if head_moved else []
    before, after = _card_at(con, a, list(moved)), _card_at(con, b, list(moved))
    cards, licenses, bases = [], [], []
    for m in sorted(moved):
        old, new = before.get(m, (None, None)), after.get(m, (None, None))
        if old[1] == new[1]:
            continue
        cards.append(m)
        fo = old[0] if isinstance(old[0], dict) else {}
        fn = new[0] if isinstance(new[0], dict) else {}
        if fo.get("license") != fn.get("license"):
            licenses.append({"model_id": m, "from": fo.get("license"), "to": fn.get("license")})
        ob, nb = _bases(fo.get("base_model")), _bases(fn.get("base_model"))
        if ob != nb:
            bases.append({"model_id": m, "from": ob, "to": nb})
    commits_added = con.execute(
        "select count(*) from commits where first_snapshot > ? and first_snapshot <= ? and (? is null or list_contains(?, model_id))",
        [a, b, scope, scope],
    ).fetchone()
    return {
        "schema": "hfaudit.diff",
        "version": 1,
        "from": a,
        "to": b,
        "added": added,
        "gone": gone,
        "renamed": dict(sorted(renamed.items())),
        "head_moved": head_moved,
        "weights_replaced": weights,
        "history_rewritten": rewritten,
        "heads": {m: {"from": moved[m][0], "to": moved[m][1]} for m in sorted(moved)},
        "cards_changed": cards,
        "licenses_changed": licenses,
        "base_models_changed": bases,
        "commits_added": int(commits_added[0]) if commits_added else 0,
    }


def _bases(value: Any) -> list[str]:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return [str(value)] if value else []
