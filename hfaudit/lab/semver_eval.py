"""Score the under-bump findings against a generated registry's ground truth.

``score(con, truths)`` matches the under-bumps of ``semver_releases`` (the rows the ``under_bump``
audit reports) to the truth's releases with ``under_bump`` by model and version (a series step by
model), and lists the missed and the false ones. The truth of a model an anonymous crawler cannot
read (private, gated or disabled: its history is not crawled) is left out, as
``tests/test_crawl_generated.py`` leaves it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

from hfaudit.analyse.semver.history import parse_version
from hfaudit.lab.releases_eval import score_main

Key = tuple[str, Any]


def release_key(model_id: str, kind: str, version: str | None) -> Key:
    """A series step by its model, an in-repository release by its model and parsed version."""
    return (model_id, "series" if kind == "series" else parse_version(version))


def readable(truth: dict[str, Any]) -> bool:
    """Whether an anonymous crawler reads the model's history."""
    return not (truth.get("private") or truth.get("gated") or truth.get("disabled"))


def expected_under_bumps(truths: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    return {
        release_key(t["id"], r["kind"], r["version"]): r
        for t in truths
        if readable(t)
        for r in t.get("releases") or []
        if r["under_bump"]
    }


def score(con: duckdb.DuckDBPyConnection, truths: Iterable[dict[str, Any]]) -> dict[str, Any]:
    truths = list(truths)
    want = expected_under_bumps(truths)
    unreadable = sum(1 for t in truths if not readable(t) for r in t.get("releases") or [] if r["under_bump"])
    got = {
        release_key(model_id, kind, version): {"version": version, "previous_version": previous, "reasons": list(reasons or [])}
        for model_id, kind, version, previous, reasons in con.execute(
            """
            select model_id, release_kind, version, previous_version, reasons
            from semver_releases where under_bump order by all
            """
        ).fetchall()
    }
    found = want.keys() & got.keys()
    return {
        "under_bumps": len(want),
        "found": len(found),
        "false": len(got.keys() - want.keys()),
        "recall": round(len(found) / len(want), 4) if want else 1.0,
        "precision": round(len(found) / len(got), 4) if got else 1.0,
        "not_crawlable": unreadable,
        "missed": [{"model_id": k[0], **want[k]} for k in sorted(want.keys() - got.keys(), key=str)],
        "false_ones": [{"model_id": k[0], **got[k]} for k in sorted(got.keys() - want.keys(), key=str)],
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m hfaudit.lab.semver_eval DB TRUTH``: the scores as JSON."""
    score_main(argv, (__doc__ or "").splitlines()[0], score)


if __name__ == "__main__":
    main()
