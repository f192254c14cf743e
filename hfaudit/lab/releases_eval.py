"""Score the release analyser against a generated registry's ground truth.

``score(con, truths)`` matches ``weight_changes`` rows to the truth's ``weight_changes`` by
(model, commit, path) and returns precision and recall for in-place replacements, for telling
documented from silent (over events after the first release that both sides hold), the change-kind
agreement, per-signal precision and recall, and card states against the truth's ``card_style``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

CARD_STYLE_STATE = {
    "none": "none", "empty": "empty", "template": "template", "yaml": "metadata", "plain": "plain",
    "malformed": "unparseable", "nondict": "unparseable",
}
TRUTH_SIGNALS = ("tag", "name_version", "readme_changelog", "commit_message", "card_version")


def read_truth(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _pr(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    return {
        "tp": tp, "fp": fp, "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
    }


def score(con: duckdb.DuckDBPyConnection, truths: Iterable[dict[str, Any]]) -> dict[str, Any]:
    # Models gone or renamed keep their history in the store; the truth speaks of present ones.
    crawled = {
        r[0]
        for r in con.execute(
            "select model_id from models where crawled_sha is not null and status = 'present'"
        ).fetchall()
    }
    truth_events: dict[tuple[str, str, str], dict[str, Any]] = {}
    styles: dict[str, str] = {}
    for t in truths:
        if t["id"] not in crawled:
            continue
        styles[t["id"]] = t["card_style"]
        for w in t.get("weight_changes") or []:
            truth_events[(t["id"], w["commit"], w["path"])] = w
    found = {
        (r[0], r[1], r[2]): {"kind": r[3], "documented": bool(r[4]), "signals": list(r[5] or [])}
        for r in con.execute(
            "select model_id, commit_id, path, change_kind, documented, signals from weight_changes order by all"
        ).fetchall()
        if r[0] in crawled
    }
    truth_rep = {k for k, w in truth_events.items() if w["kind"] == "replaced"}
    found_rep = {k for k, e in found.items() if e["kind"] == "replaced"}
    both = [k for k in truth_events if k in found and truth_events[k]["kind"] != "initial" and found[k]["kind"] != "initial"]
    tp = sum(1 for k in both if found[k]["documented"] and truth_events[k]["documented"])
    fp = sum(1 for k in both if found[k]["documented"] and not truth_events[k]["documented"])
    fn = sum(1 for k in both if not found[k]["documented"] and truth_events[k]["documented"])
    stp = sum(1 for k in both if not found[k]["documented"] and not truth_events[k]["documented"])
    signals = {}
    for s in TRUTH_SIGNALS:
        a = sum(1 for k in both if s in found[k]["signals"] and s in truth_events[k]["how"])
        b = sum(1 for k in both if s in found[k]["signals"] and s not in truth_events[k]["how"])
        c = sum(1 for k in both if s not in found[k]["signals"] and s in truth_events[k]["how"])
        signals[s] = _pr(a, b, c)
    kinds = Counter((truth_events[k]["kind"], found[k]["kind"]) for k in truth_events if k in found)
    cards: Counter[tuple[str, str]] = Counter()
    if styles:
        for model_id, state in con.execute(
            "select model_id, card_state from transparency "
            "qualify snapshot_id = max(snapshot_id) over (partition by model_id) order by model_id"
        ).fetchall():
            if model_id in styles:
                cards[(CARD_STYLE_STATE[styles[model_id]], state)] += 1
    return {
        "truth_events": len(truth_events),
        "found_events": len(found),
        "missing_events": len(set(truth_events) - set(found)),
        "extra_events": len(set(found) - set(truth_events)),
        "replacements": _pr(len(truth_rep & found_rep), len(found_rep - truth_rep), len(truth_rep - found_rep)),
        "documented": _pr(tp, fp, fn),
        "silent": _pr(stp, fn, fp),
        "events_compared": len(both),
        "signals": signals,
        "kinds": {f"{t}->{f}": n for (t, f), n in sorted(kinds.items())},
        "kind_agreement": round(sum(n for (t, f), n in kinds.items() if t == f) / max(1, sum(kinds.values())), 4),
        "card_states": {f"{t}->{f}": n for (t, f), n in sorted(cards.items())},
        "card_state_agreement": round(sum(n for (t, f), n in cards.items() if t == f) / max(1, sum(cards.values())), 4),
    }


def score_main(
    argv: list[str] | None,
    description: str,
    scorer: Callable[[duckdb.DuckDBPyConnection, list[dict[str, Any]]], dict[str, Any]],
) -> None:
    """``python -m … DB TRUTH``: ``scorer`` of an analysed store against a truth file, as JSON."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("db", help="an analysed store")
    parser.add_argument("truth", help="the registry's .truth.jsonl")
    args = parser.parse_args(argv)
    for path in (args.db, args.truth):
        if not Path(path).is_file():
            parser.error(f"no such file: {path}")
    try:
        truth = read_truth(args.truth)
    except ValueError as exc:  # json.JSONDecodeError included
        parser.error(f"{args.truth}: not a truth file ({exc})")
    with duckdb.connect(args.db, read_only=True) as con:
        print(json.dumps(scorer(con, truth), indent=2))


def main(argv: list[str] | None = None) -> None:
    """``python -m hfaudit.lab.releases_eval DB TRUTH``: the scores as JSON."""
    score_main(argv, __doc__.splitlines()[0], score)


if __name__ == "__main__":
    main()
