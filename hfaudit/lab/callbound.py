"""A lower bound on the Hub calls any crawler needs for per-commit changes, computed on a registry.

Issue 3 asks for at most a third of the naive crawler's calls (``bench_naive``: list, then per model
``model_info``, ``list_repo_commits`` and a recursive tree at every commit; exact count:
``naive_calls``). This module computes, for a registry, how few calls *any* crawler can make through
the Hub's HTTP API (/work/shared/docs/hub-api.md) and still know, for every commit, which paths that
matter it changed and to which blob. "Paths that matter" are exactly those of ``--changes matter``:
``category(path) in hfaudit.collect.crawl.MATTERING`` (weights, README.md, configs, tokenizer, adapter and
merge configs).

The model
---------
A model's history is the first-parent chain from its head, oldest first, positions 0..E. A change
event is a path whose blob (or presence) differs between position i-1 and i; a change record that
leaves the blob as it was is no event (git does not see it either). Only listed models whose content
is readable count: private ones are not listed; gated and disabled ones (and empty ones) answer no
content call, so a crawler spends nothing on them beyond the listing.

Every endpoint that shows file state is anchored at one revision r: the tree at r (with
``expand=true``: ``lastCommit`` per file and folder), ``paths-info`` at r, ``model_info`` at r
(``blobs=true``), a ``/resolve/`` of one file at r. Its answer is a function of the tree at r
(paths, blobs, sizes, last commits). ``compare a..b`` is anchored at two revisions: its net diff is
a function of the trees at a and b. The commits list carries no file list, refs carry none, and the
listing shows per model only what stands at the head, without blobs (``siblings`` are bare file
names; the card and config projections are fields of the head's README and config.json).

The argument is an adversary's: for a true history H, build a history H' that differs in the events
(so a correct crawler must answer differently) but whose answers differ from H's only for calls
anchored at a few revisions. A crawler that anchors no call there sees the same answers for both
and is wrong on one of them.

Bound 1: each event needs a call anchored in its interval (``stabbing_revisions``, S)
-------------------------------------------------------------------------------------
Take an add or modify event: path p gets blob B at position c, and p next changes at position n
(or never: n = E+1). Let H' be the same history except that p gets another blob B' at c, of the
same size, and the card and config fields the Hub projects are the same. p holds B (in H) or B'
(in H') exactly at positions c..n-1; everywhere else the two agree, ``lastCommit`` included (p
still changes at c and at n). So only a call anchored in [c, n-1] tells them apart.

A deletion of p at d, next re-added at a (or never: a = E+1), gets the interval [d, a-1]. It holds
the one position a call must be anchored at: with H' = p modified to a fresh blob at d and deleted
at d+1 (or changed to the re-added blob at a = d+1), the two differ only at d. A deletion at the
head itself (d = E) is not counted: the listing's ``siblings`` show that the path is gone there,
for 1,000 models a call.

The fewest revisions that stab every interval is found by the classic greedy (sort by right end,
take the right end of each interval not yet stabbed): S per model. One call reveals events at one
revision (``lastCommit`` lets a single tree reveal every event still visible there), so S can be
well below the number of commits: a file added once and never touched again is seen from the head.

Bound 2: every changing commit's parent must be looked at too (``..._with_parents``, T)
----------------------------------------------------------------------------------------
S is what a crawler that already knew the history would need. A crawler must also rule out events
that left no trace. Let commit c >= 2 change a path p that matters (add, modify or delete). Let H'
be H plus one more event: p takes a blob X at c-1 that it has neither before c-1 nor at c (say a
blob some other file already has), added there if p was absent, modified if present (if p's
previous event is at c-1 itself, that event gives X instead). At every revision
from c on, p is as in H, ``lastCommit`` included (p changes at c in both); below c-1 nothing
changed. The answers differ only at c-1. So a call must be anchored at the parent c-1 of every
commit c >= 2 that changes a path that matters, as well as stab every interval of bound 1: T per
model is those parents plus the fewest revisions stabbing the intervals they miss. (Parents at
position 0 are not required: the Hub's "initial commit" is made by the Hub and holds only
``.gitattributes``; a crawler may rely on that.) T is about one revision per commit that changes a
path that matters, which is what a tree at every such commit costs: ``lastCommit`` saves nothing
once absent traces have to be ruled out.

Calls
-----
Calls anchored at one revision number at least S (bound 1) and T (bound 2) per model; calls
anchored at two (``compare``) at least ceil(S/2), ceil(T/2). To these add the calls no crawler
avoids: the listing, ceil(listed/1000) pages, and the commits list of each readable model with
commits, ceil(commits/1000) pages (the commits table needs every commit, and authors and messages
are only there; 1,000 is the largest page the spec allows, unverified). ``model_info``, refs and file contents are not counted.

What it does not cover
----------------------
- The bound counts requests of every bucket together (a ``/resolve/`` HEAD is one more single-revision
  call), so it bounds a crawler's total requests; it is not a bound on the API bucket alone (a
  crawler could move some look-ups to the resolvers bucket, one file a request).
- It ignores git's smart-HTTP protocol (``git clone``/``fetch`` over ``info/refs`` and
  ``git-upload-pack``): it is not part of the Hub API spec, its rate-limit bucket is unknown, and it
  would return a whole history in a couple of requests.
- It assumes the Hub's history is the first-parent chain, and that an answer depends on the trees at
  its anchor revisions only. Aggregates over the whole history are taken as blind to the changes of
  H' (``usedStorage`` in ``model_info``: B' has B's size; X can reuse a blob already stored).
- It is a lower bound, not a strategy; by bound 2 a tree at every commit that changes a path that
  matters (``--changes all`` takes one at every commit) is close to it.

Usage: ``python -m hfaudit.lab.callbound --models 10000 --seed 42`` (a generated registry, as ``make
bench`` uses) or ``--registry FILE``; prints the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hfaudit.fakehub.registry import Model, Registry, change_state
from hfaudit.files import MATTERING, category

LIST_PAGE = 1000
COMMIT_PAGE = 1000
TARGET = 1 / 3


def matters(path: str) -> bool:
    """The predicate of ``--changes matter`` (``hfaudit.collect.crawl.find_changes``)."""
    return category(path) in MATTERING


def naive_calls(registry: Registry, model_ids: list[str] | None = None) -> int:
    """The exact number of requests the naive crawler makes (huggingface_hub pages: list 1,000,
    commits 50, tree 1,000), over the whole registry or the given models. It only visits models
    the listing shows, so private models cost it nothing."""
    public = [m for m in registry if listed(m)]
    chosen = [registry.get(m) for m in model_ids] if model_ids else public
    calls = math.ceil(len(public) / 1000) if not model_ids else 0
    for model in chosen:
        if model is None:
            continue
        calls += 1  # model_info
        if model.raw.get("gated") or model.raw.get("disabled") or model.head is None:
            calls += 1  # the commits call fails, the script moves on
            continue
        history = model.history(model.head)
        calls += max(1, math.ceil(len(history) / 50))
        for commit in history:
            calls += max(1, math.ceil(len(model.tree(commit["id"])) / 1000))
    return calls


def listed(model: Model) -> bool:
    """In the listing (as ``naive_calls`` counts public models)."""
    return not model.raw.get("private")


def readable(model: Model) -> bool:
    """Listed and with content a crawler can read (``naive_calls``: gated, disabled and empty models
    fail their commits call)."""
    return listed(model) and not model.raw.get("gated") and not model.raw.get("disabled") and model.head is not None


def first_parent_chain(model: Model) -> list[dict[str, Any]]:
    """The commits from the first one to the head along first parents, oldest first."""
    head = model.head
    index = model.commit_index()
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    cursor: str | None = head
    while cursor is not None and cursor in index and cursor not in seen:
        seen.add(cursor)
        chain.append(model.commit(cursor))
        parents = model.parents(cursor)
        cursor = parents[0] if parents else None
    return chain[::-1]


def change_events(chain: list[dict[str, Any]], keep: Callable[[str], bool] = matters) -> list[tuple[str, int, str]]:
    """``(path, position, op)`` for every kept path whose state a commit of ``chain`` changed: ``add``,
    ``modify`` (another blob) or ``delete``. A commit's change records are netted per path (a
    record that restores the blob, or a delete and re-add of the same blob, is no event).
    Position order."""
    state: dict[str, str] = {}
    events: list[tuple[str, int, str]] = []
    for position, commit in enumerate(chain):
        before: dict[str, str | None] = {}
        for change in commit.get("changes") or []:
            path = change["path"]
            before.setdefault(path, state.get(path))
            if change.get("op") == "delete":
                state.pop(path, None)
            else:
                state[path] = change_state(change, commit["id"]).oid
        for path, old in before.items():
            new = state.get(path)
            if old == new or not keep(path):
                continue
            events.append((path, position, "add" if old is None else "delete" if new is None else "modify"))
    return events


def intervals(events: Iterable[tuple[str, int, str]], head: int) -> list[tuple[int, int]]:
    """The revisions ``[first, last]`` at which a single-revision call can reveal each event (module
    docstring); deletions in the head commit are left out (the listing shows them)."""
    by_path: dict[str, list[tuple[int, str]]] = {}
    for path, position, op in events:
        by_path.setdefault(path, []).append((position, op))
    out = []
    for changes in by_path.values():
        for k, (position, op) in enumerate(changes):
            if op == "delete" and position == head:
                continue
            end = changes[k + 1][0] - 1 if k + 1 < len(changes) else head
            out.append((position, end))
    return out


def min_stabbing(spans: Iterable[tuple[int, int]], given: Iterable[int] = ()) -> list[int]:
    """The fewest points, besides the ``given`` ones, that leave no interval unstabbed: sort by
    right end, take the right end of each interval no point yet lies in (optimal by the usual
    exchange argument; the given points only remove the intervals they stab)."""
    fixed = sorted(set(given))

    def stabbed(start: int, end: int) -> bool:
        k = bisect.bisect_left(fixed, start)
        return k < len(fixed) and fixed[k] <= end

    points: list[int] = []
    for start, end in sorted(spans, key=lambda s: (s[1], s[0])):
        if stabbed(start, end) or (points and start <= points[-1]):
            continue
        points.append(end)
    return points


def parents_required(events: Iterable[tuple[str, int, str]]) -> list[int]:
    """Bound 2: the parent of every commit at position 2 or later that changes a kept path."""
    return sorted({position - 1 for _, position, _ in events if position >= 2})


def model_bound(model: Model, keep: Callable[[str], bool] = matters) -> dict[str, int]:
    """Per readable model: commits, change events, commits touching kept paths, S and T."""
    chain = first_parent_chain(model)
    events = change_events(chain, keep)
    spans = intervals(events, len(chain) - 1)
    parents = parents_required(events)
    return {
        "commits": len(chain),
        "history": len(model.history(model.head)) if model.head else 0,
        "events": len(events),
        "touching": len({position for _, position, _ in events}),
        "stabbing": len(min_stabbing(spans)),
        "stabbing_with_parents": len(parents) + len(min_stabbing(spans, given=parents)),
    }


def api_call_lower_bound(lines: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The figures of both lower bounds (module docstring) for registry lines."""
    registry = Registry(Model(dict(raw)) for raw in lines)
    public = [m for m in registry if listed(m)]
    models = [m for m in public if readable(m)]
    totals = {"commits": 0, "events": 0, "touching": 0, "stabbing": 0, "stabbing_with_parents": 0}
    commit_pages = compare = compare_with_parents = 0
    for model in models:
        figures = model_bound(model)
        for key in totals:
            totals[key] += figures[key]
        compare += math.ceil(figures["stabbing"] / 2)
        compare_with_parents += math.ceil(figures["stabbing_with_parents"] / 2)
        commit_pages += math.ceil(figures["history"] / COMMIT_PAGE)
    list_pages = math.ceil(len(public) / LIST_PAGE)
    fixed = list_pages + commit_pages
    naive = naive_calls(registry)
    bounds = {
        "lower_bound_trees": fixed + totals["stabbing"],
        "lower_bound_compare": fixed + compare,
        "lower_bound_trees_with_parents": fixed + totals["stabbing_with_parents"],
        "lower_bound_compare_with_parents": fixed + compare_with_parents,
    }
    ratios = {
        name.replace("lower_bound_", "ratio_") + "_over_naive": round(value / naive, 4) if naive else None
        for name, value in bounds.items()
    }
    return {
        "models": len(registry),
        "models_listed": len(public),
        "models_readable": len(models),
        "commits": totals["commits"],
        "change_events_matter": totals["events"],
        "commits_touching_matter": totals["touching"],
        "stabbing_revisions": totals["stabbing"],
        "stabbing_revisions_with_parents": totals["stabbing_with_parents"],
        "list_pages": list_pages,
        "commit_pages": commit_pages,
        **bounds,
        "naive_calls": naive,
        **ratios,
        "target_ratio": round(TARGET, 4),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hfaudit.lab.callbound", description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000, help="Generate this many models (default 10,000).")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--registry", type=Path, help="Read this registry file instead of generating one.")
    args = parser.parse_args(argv)
    if args.models < 1:
        parser.error(f"--models must be at least 1, got {args.models}")
    if args.registry:
        from hfaudit.fakehub.registry import RegistryError, read_models

        try:
            lines: list[dict[str, Any]] = [m.raw for m in read_models(args.registry)]
        except RegistryError as exc:
            raise SystemExit(f"hfaudit.lab.callbound: error: {exc}") from None
        source: dict[str, Any] = {"registry": str(args.registry)}
    else:
        from hfaudit.fakehub.generate import generate

        lines, _ = generate(args.models, args.seed)
        source = {"generated_models": args.models, "seed": args.seed}
    print(json.dumps({**source, **api_call_lower_bound(lines)}, indent=2))


if __name__ == "__main__":
    main()
