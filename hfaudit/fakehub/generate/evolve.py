"""The next snapshot of a registry: new commits, new repos, deletions, renames and one squash."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from hfaudit.fakehub.generate.common import DAY, EPOCH, WEIGHT_EXTENSIONS, _hash
from hfaudit.fakehub.generate.histories import DEFAULT_TITLES, _build
from hfaudit.fakehub.generate.planning import Planner
from hfaudit.fakehub.registry import derive_all, git_problem, hub_date, remap


def evolve(
    old_lines: list[dict[str, Any]], seed: int, old_truth: list[dict[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The next snapshot of a registry: new commits, new repos, deletions, renames and one squash."""
    lines, truths, _ = evolve_with_changes(old_lines, seed, old_truth)
    return lines, truths


def evolve_with_changes(
    old_lines: list[dict[str, Any]],
    seed: int,
    old_truth: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Like ``evolve``, plus a summary of what changed (written as ``.changes.json``)."""
    from hfaudit.fakehub.registry import Model

    rng = random.Random(seed)
    old_lines = [json.loads(json.dumps(line)) for line in old_lines]  # never touch the caller's data
    truth_by_id = {t["id"]: json.loads(json.dumps(t)) for t in (old_truth or [])}
    snapshot_end = max(
        (_seconds(c["date"]) for line in old_lines for c in line.get("commits") or []), default=0
    )
    # Lines already in format 2 stay git-consistent; older ones keep their given ids (API only).
    given_ids = {i for i, line in enumerate(old_lines) if git_problem(line) is not None}
    ids = [line["id"] for line in old_lines]
    taken = {i.lower() for i in ids} | {a.lower() for line in old_lines for a in line.get("aliases") or []}
    n = len(old_lines)
    order = list(range(n))
    rng.shuffle(order)
    squashable = [
        i
        for i in order
        if 3 <= len(old_lines[i].get("commits") or []) <= 200 and not old_lines[i].get("private")
    ]
    squash_i = squashable[0] if squashable else None
    rest = [i for i in order if i != squash_i]
    k = max(1, n // 100)
    deleted = set(rest[:k])
    renamed = set(rest[k : 2 * k])
    updated = set(rest[2 * k : 2 * k + max(1, n // 10)])
    changes: dict[str, Any] = {
        "seed": seed,
        "deleted": [],
        "renamed": {},
        "updated": {},
        "added": [],
        "squashed": None,
    }
    out_lines: list[dict[str, Any]] = []
    out_truths: list[dict[str, Any]] = []
    keep_given: set[int] = set()
    for i, line in enumerate(old_lines):
        old_id = line["id"]
        truth = truth_by_id.get(old_id) or {"id": old_id, "weight_changes": [], "releases": []}
        status = "unchanged"
        new_commits: list[str] = []
        if i in deleted:
            changes["deleted"].append(old_id)
            continue
        if i == squash_i:
            model = Model(line)
            tree = model.tree(model.head) if model.head else {}
            cid = _hash(seed, "squash", old_id)[:40]
            files = []
            for path in sorted(tree):
                state = tree[path]
                change: dict[str, Any] = {"path": path, "op": "add", "oid": state.oid, "size": state.size}
                if state.lfs_sha256:
                    change["lfs"] = {"sha256": state.lfs_sha256, "size": state.lfs_size}
                if state.content is not None:
                    change["content"] = state.content
                files.append(change)
            date = hub_date(EPOCH + dt.timedelta(seconds=snapshot_end + rng.randint(DAY, 5 * DAY)))
            old_head, old_count = model.head, len(model.commits)
            line["commits"] = [
                {
                    "id": cid,
                    "parents": [],
                    "date": date,
                    "title": "Squash history",
                    "message": "",
                    "authors": [line.get("author") or old_id.split("/")[0]],
                    "changes": files,
                }
            ]
            line["refs"] = {"branches": {"main": cid}, "tags": {}}
            changes["squashed"] = {
                "id": old_id,
                "old_head": old_head,
                "new_commit": cid,
                "old_commits": old_count,
            }
            status, new_commits = "squashed", [cid]
            truth["weight_changes"] = [
                {
                    "commit": cid,
                    "path": f["path"],
                    "kind": "initial",
                    "old_sha256": None,
                    "new_sha256": f["lfs"]["sha256"],
                    "documented": False,
                    "how": [],
                    "squashed": True,
                }
                for f in files
                if "lfs" in f and _is_weight(f["path"])
            ]
            truth["releases"] = []
        elif i in updated:
            new_commits = _extend(line, truth, seed, rng, snapshot_end)
            changes["updated"][old_id] = new_commits
            status = "updated"
        if i in renamed:
            owner, name = old_id.split("/", 1)
            new_id = f"{owner}/{name}-{rng.choice(('renamed', 'v2', 'hf', 'legacy', 'new'))}"
            while new_id.lower() in taken:
                new_id += "-x"
            taken.add(new_id.lower())
            line["id"] = new_id
            line["aliases"] = [*(line.get("aliases") or []), old_id]
            changes["renamed"][old_id] = new_id
            truth["id"] = new_id
            truth["aliases"] = list(line["aliases"])
            status = "renamed" if status == "unchanged" else status
        truth["evolution"] = {"status": status, "old_id": old_id, "new_commits": new_commits}
        if i in given_ids:
            keep_given.add(len(out_lines))
        out_lines.append(line)
        out_truths.append(truth)
    # new repos: a small generated batch whose names cannot collide, created after the snapshot
    n_new = max(20, n // 30)
    planner = Planner(n_new, seed * 7919 + 17, start=snapshot_end + DAY, taken=taken)
    planner.specs = []
    specs = planner.plan()
    new_lines, new_truths = _build(specs, seed * 7919 + 17, planner.rng)
    for line, truth in zip(new_lines, new_truths, strict=True):
        truth["evolution"] = {
            "status": "added",
            "old_id": None,
            "new_commits": [c["id"] for c in line["commits"]],
        }
        changes["added"].append(line["id"])
    out_lines += new_lines
    out_truths += new_truths
    out_lines, mapping = derive_all(out_lines, skip=keep_given)
    return out_lines, remap(out_truths, mapping), remap(changes, mapping)


def _seconds(date: str) -> int:
    """Seconds after ``EPOCH``."""
    from hfaudit.fakehub.registry import parse_date

    return int((parse_date(date) - EPOCH).total_seconds())


def _is_weight(path: str) -> bool:
    return path.endswith(WEIGHT_EXTENSIONS) and not path.endswith("training_args.bin")


def _extend(
    line: dict[str, Any], truth: dict[str, Any], seed: int, rng: random.Random, after: int
) -> list[str]:
    """Append 1-4 new commits to a registry line, at least one a weight replacement when it has weights."""
    from hfaudit.fakehub.registry import Model

    model = Model(line)
    head = model.head
    tree = model.tree(head) if head else {}
    commits = line.setdefault("commits", [])
    t = max(after, _seconds(commits[-1]["date"]) if commits else after) + rng.randint(3600, 10 * DAY)
    new_ids: list[str] = []
    weights = sorted(p for p, s in tree.items() if s.lfs_sha256 and _is_weight(p))
    for j in range(rng.randint(1, 4)):
        cid = _hash(seed, "evolve", line["id"], len(commits))[:40]
        date = hub_date(EPOCH + dt.timedelta(seconds=t))
        t += rng.randint(600, 3 * DAY)
        parents = [commits[-1]["id"]] if commits else []
        if weights and (j == 0 or rng.random() < 0.4):
            path = rng.choice(weights)
            old = tree[path]
            sha = _hash(seed, "evolve", line["id"], path, len(commits))
            size = int((old.lfs_size or 1024) * (1 + rng.uniform(-0.001, 0.001)))
            documented = rng.random() < 0.45
            title = (
                "Retrain with more data"
                if documented
                else rng.choice(DEFAULT_TITLES).format(f=path, a="model")
            )
            change = {"path": path, "op": "modify", "size": size, "lfs": {"sha256": sha, "size": size}}
            commits.append(
                {
                    "id": cid,
                    "parents": parents,
                    "date": date,
                    "title": title,
                    "message": "",
                    "authors": [line.get("author") or line["id"].split("/")[0]],
                    "changes": [change],
                }
            )
            truth.setdefault("weight_changes", []).append(
                {
                    "commit": cid,
                    "path": path,
                    "kind": "replaced",
                    "old_sha256": old.lfs_sha256,
                    "new_sha256": sha,
                    "documented": documented,
                    "how": ["commit_message"] if documented else [],
                }
            )
            tree = {**tree}
            from hfaudit.fakehub.registry import change_state

            tree[path] = change_state(change, cid)
        else:
            content = tree["README.md"].content if "README.md" in tree and tree["README.md"].content else ""
            change = {
                "path": "README.md",
                "op": "modify" if "README.md" in tree else "add",
                "content": content + f"\nUpdated in a later snapshot ({j}).\n",
            }
            commits.append(
                {
                    "id": cid,
                    "parents": parents,
                    "date": date,
                    "title": "Update README.md",
                    "message": "",
                    "authors": [line.get("author") or line["id"].split("/")[0]],
                    "changes": [change],
                }
            )
        new_ids.append(cid)
    line.setdefault("refs", {}).setdefault("branches", {})["main"] = commits[-1]["id"]
    truth["commits"] = len(commits)
    return new_ids
