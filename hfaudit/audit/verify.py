"""``hfaudit verify``: compare a lock with the Hub now, one finding per change.

Cost. An unchanged lock of N models costs at most N + ⌈N/1000⌉ requests, and usually far fewer:

1. Models of one author (two or more in the lock, locked at the default branch) are looked up in
   that author's listing, 1,000 a page, with only ``sha``, ``gated``, ``private`` and ``disabled``
   expanded. A listed model whose id (or, after a rename, whose ``_id``) matches and whose head is
   the locked commit is unchanged: no further call. A page is fetched only while the worst case
   (this page, then one call for every model still unseen) stays within the bound.
2. Every model still unseen costs one model-info call (a 307 of a renamed id is followed).
3. Only a model whose head moved costs more: its commits (one call a page), the tree at every new
   commit, the refs, and the text of the card and ``config.json`` where a new commit changed them.

What each new commit changed is found by the crawler's own tree diff (``Crawler.find_changes``),
and the bump it requires by the analysers' semver rules (``hfaudit.analyse.semver.commit_reasons``),
starting from the locked state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

from hfaudit.analyse.naming import parse_name
from hfaudit.analyse.semver import (
    BUMP_RANK,
    CommitFacts,
    card_fields,
    changelog_versions,
    commit_reasons,
    parse_version,
    required_bump,
)
from hfaudit.audit.lock import DEFAULT_REVISION, hub_error, read_lock
from hfaudit.cards import parse_card
from hfaudit.collect.crawl import Crawler, diff_trees
from hfaudit.collect.hub import HUB_ERRORS, STATS, Hub, classify, configure_client
from hfaudit.errors import HfauditError
from hfaudit.files import MATTERING, category

KINDS = (
    "head_moved", "weights_replaced", "file_added", "file_deleted", "history_rewritten",
    "renamed", "gated", "disabled", "private", "deleted",
)
FAIL_ON = ("any", "patch", "minor", "major")
# Changes that are not releases carry no required bump; for --fail-on they weigh this much.
STATUS_WEIGHT = {
    "renamed": "patch", "gated": "major", "disabled": "major", "private": "major", "deleted": "major",
    "history_rewritten": "major",
}
LIST_EXPAND: list[Any] = ["sha", "private", "gated", "disabled"]
INFO_EXPAND: list[Any] = ["sha", "private", "gated", "disabled"]
SENTINEL = "\x00locked-weights"  # a weight the locked state is said to hold when it holds none


@dataclass
class Observed:
    """A locked model as the Hub shows it now."""

    status: str  # present | deleted | private | revision_gone
    model_id: str | None = None
    sha: str | None = None
    gated: str = "false"
    private: bool = False
    disabled: bool = False
    detail: str | None = None


@dataclass
class ModelCheck:
    model_id: str
    locked_commit: str
    revision: str
    line: int | None
    current_id: str | None = None
    current_commit: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "locked_commit": self.locked_commit,
            "current_commit": self.current_commit,
            "current_id": self.current_id,
            "revision": self.revision,
            "line": self.line,
            "status": "error" if self.error else "changed" if self.changes else "unchanged",
            "error": self.error,
            "changes": self.changes,
        }


@dataclass
class VerifyResult:
    lock: str
    endpoint: str
    fail_on: str
    models: list[ModelCheck]
    requests: dict[str, Any]

    def weight(self, change: dict[str, Any]) -> str:
        return change.get("required_bump") or STATUS_WEIGHT.get(change["kind"], "patch")

    def failing(self) -> list[dict[str, Any]]:
        if self.fail_on == "any":
            return [c for m in self.models for c in m.changes]
        floor = BUMP_RANK[self.fail_on]
        return [c for m in self.models for c in m.changes if BUMP_RANK.get(self.weight(c), 0) >= floor]

    @property
    def exit_code(self) -> int:
        if any(m.error for m in self.models):
            return 2
        return 1 if self.failing() else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": "hfaudit.verify",
            "version": 1,
            "lock": self.lock,
            "endpoint": self.endpoint,
            "fail_on": self.fail_on,
            "exit_code": self.exit_code,
            "summary": {
                "models": len(self.models),
                "unchanged": sum(1 for m in self.models if not m.changes and not m.error),
                "changed": sum(1 for m in self.models if m.changes),
                "errors": sum(1 for m in self.models if m.error),
                "changes": sum(len(m.changes) for m in self.models),
            },
            "requests": self.requests,
            "models": [m.as_json() for m in self.models],
        }


def _gated(value: Any) -> str:
    return "false" if value in (None, False, "false") else str(value)


def _observed(info: Any) -> Observed:
    return Observed(
        "present", info.id, info.sha, _gated(info.gated), bool(info.private), bool(info.disabled)
    )


def observe(hub: Hub, models: list[dict[str, Any]], budget: int) -> dict[str, Observed]:
    """The state of every locked model now, within ``budget`` requests when none changed."""
    pending = {m["id"]: m for m in models}
    out: dict[str, Observed] = {}
    spent = 0
    groups: dict[str, list[str]] = {}
    for m in models:
        if m.get("revision", DEFAULT_REVISION) == DEFAULT_REVISION:
            groups.setdefault(m["id"].split("/", 1)[0], []).append(m["id"])
    for author, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(ids) < 2:
            continue
        unseen = set(ids)
        by_object = {pending[i]["object_id"]: i for i in ids if pending[i].get("object_id")}
        pages = hub.list_pages(author, LIST_EXPAND)
        while unseen and spent + 1 + len(pending) <= budget:
            try:
                page = next(pages)
            except StopIteration:
                break
            except HUB_ERRORS as exc:
                if classify(exc).error_type in ("network", "timeout"):
                    raise hub_error(hub.endpoint, author, exc, "listing") from exc
                break  # the listing failed for good: the models still unseen get one call each
            spent += 1
            for info in page:
                lid = info.id if info.id in unseen else by_object.get(info.__dict__.get("_id"))
                if lid in unseen:
                    out[lid] = _observed(info)
                    unseen.discard(lid)
                    pending.pop(lid, None)
    for lid, m in pending.items():
        revision = m.get("revision", DEFAULT_REVISION)
        try:
            info = hub.model_info_at(lid, None if revision == DEFAULT_REVISION else revision, INFO_EXPAND)
        except RevisionNotFoundError as exc:
            out[lid] = Observed("revision_gone", lid, detail=f"revision {revision} no longer exists ({classify(exc).message})")
            continue
        except RepositoryNotFoundError as exc:
            status = getattr(exc.response, "status_code", None)
            out[lid] = Observed("private" if status == 401 else "deleted", lid)
            continue
        except HUB_ERRORS as exc:
            failure = classify(exc)
            if failure.error_type in ("network", "timeout"):
                raise hub_error(hub.endpoint, lid, exc, "model info") from exc
            out[lid] = Observed("error", lid, detail=f"model info failed: {failure.error_type}: {failure.message}")
            continue
        out[lid] = _observed(info)
    return out


def _change(kind: str, path: str | None = None, bump: str | None = None, declared_by: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "path": path, "required_bump": bump, "declared_by": sorted(declared_by or []), **extra}


def _max_bump(bumps: list[str]) -> str:
    return max(bumps, key=lambda b: BUMP_RANK.get(b, 0), default="none")


def _bump(reasons: list[str]) -> str:
    return required_bump(reasons) if reasons else "none"


class _Inspector:
    """What moved under one model whose head is not the locked commit."""

    def __init__(self, hub: Hub, entry: dict[str, Any], now: Observed):
        self.hub = hub
        self.entry = entry
        self.now = now
        self.mid = now.model_id or entry["id"]
        self.unread: list[str] = []  # what could not be read, with the reason
        self.base = {
            f["path"]: {"blob": f.get("blob"), "sha256": f.get("sha256"), "size": f.get("size")}
            for f in entry.get("files") or []
        }

    def text(self, path: str, revision: str) -> str | None:
        try:
            return self.hub.download_text(self.mid, path, revision)
        except HUB_ERRORS as exc:
            # the reasons then treat the file as unknown; the change says what could not be read
            failure = classify(exc)
            self.unread.append(f"{path}@{revision[:12]}: {failure.error_type}: {failure.message}")
            return None

    def seed(self, texts: dict[str, str | None]) -> CommitFacts:
        weights = [(p, "added", "weights", e["size"]) for p, e in self.base.items() if category(p) == "weights"]
        seed = CommitFacts("<locked>", None, 0, changes=weights or [(SENTINEL, "added", "weights", None)])
        if texts.get("config.json") is not None:
            seed.contents["config.json"] = texts["config.json"] or ""
        if texts.get("README.md") is not None:
            seed.readme = texts["README.md"]
            seed.front_matter = parse_card(seed.readme).data
            seed.readme_changed = True
        return seed

    def run(self) -> list[dict[str, Any]]:
        hub, entry, now = self.hub, self.entry, self.now
        commits = list(reversed(hub.commits(self.mid, now.sha or "")))  # oldest first
        ids = [c.commit_id for c in commits]
        rewritten = entry["commit"] not in ids
        new = [] if rewritten else commits[ids.index(entry["commit"]) + 1 :]
        crawler = Crawler(hub, 0, "all")
        if new:
            per_commit, tree = crawler.find_changes(self.mid, [c.commit_id for c in new], self.base)
        else:
            per_commit, tree = {}, crawler._tree(self.mid, now.sha or "")
        tree = {p: e for p, e in tree.items() if category(p) in MATTERING}
        per_commit = {cid: [c for c in chs if c["category"] in MATTERING] for cid, chs in per_commit.items()}
        changed_texts = {
            c["path"] for chs in per_commit.values() for c in chs if c["path"] in ("README.md", "config.json")
        }
        baseline = {p: self.text(p, entry["commit"]) for p in sorted(changed_texts)} if not rewritten else {}
        seed = self.seed(baseline)
        facts = []
        for i, c in enumerate(new, 1):
            f = CommitFacts(c.commit_id, c.created_at, i)
            for ch in per_commit.get(c.commit_id, []):
                f.changes.append((ch["path"], ch["change_kind"], ch["category"], ch["new_size"]))
                if ch["change_kind"] == "deleted":
                    if ch["path"] == "README.md":
                        f.readme_changed, f.readme, f.front_matter = True, None, None
                    continue
                if ch["path"] == "config.json":
                    f.contents["config.json"] = self.text("config.json", c.commit_id) or ""
                elif ch["path"] == "README.md":
                    f.readme = self.text("README.md", c.commit_id)
                    f.front_matter = parse_card(f.readme).data if f.readme is not None else None
                    f.readme_changed = True
            facts.append(f)
        reasons = {r["commit_id"]: r["reasons"] for r in commit_reasons([seed, *facts]) if not r.get("upload")}
        declared = self.declarations(new, facts, seed) if new else {}
        changes: list[dict[str, Any]] = []
        touched: dict[str, set[str]] = {}
        records = []
        for c, f in zip(new, facts, strict=True):
            for path, *_ in f.changes:
                touched.setdefault(path, set()).update(declared.get(c.commit_id, []))
            records.append(
                {
                    "id": c.commit_id,
                    "title": c.title,
                    "date": c.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if c.created_at else None,
                    "changed": [{"path": p, "change": k} for p, k, *_ in f.changes],
                    "reasons": reasons.get(c.commit_id, []),
                    "required_bump": _bump(reasons.get(c.commit_id, [])),
                    "declared_by": sorted(declared.get(c.commit_id, [])),
                }
            )
        if rewritten:
            changes.append(
                _change(
                    "history_rewritten",
                    bump=self.file_bump(diff_trees(self.base, tree), seed),
                    detail=f"the locked commit {entry['commit']} is no longer reachable from {entry.get('revision', DEFAULT_REVISION)} (now {now.sha})",
                )
            )
        else:
            changes.append(
                _change(
                    "head_moved",
                    bump=_max_bump([r["required_bump"] for r in records]),
                    declared_by=sorted({d for r in records for d in r["declared_by"]}),
                    commits=records,
                )
            )
        if self.unread:
            changes[0]["unread"] = list(self.unread)
        for diff in diff_trees(self.base, tree):
            path, kind = diff["path"], diff["change_kind"]
            by = sorted(touched.get(path, set()))
            bump = self.file_bump([diff], seed)
            if kind == "modified" and diff["category"] == "weights":
                changes.append(_change("weights_replaced", path, bump, by, old_sha256=diff["old_sha256"], new_sha256=diff["new_sha256"]))
            elif kind == "added":
                changes.append(_change("file_added", path, bump, by, sha256=diff["new_sha256"]))
            elif kind == "deleted":
                changes.append(_change("file_deleted", path, bump, by))
        return changes

    def file_bump(self, diffs: list[dict[str, Any]], seed: CommitFacts) -> str:
        """The bump a set of file differences requires, by the same rules, as if one commit made them."""
        if not diffs:
            return "none"
        f = CommitFacts("<files>", None, 1, changes=[(d["path"], d["change_kind"], d["category"], d["new_size"]) for d in diffs])
        if any(d["path"] == "README.md" for d in diffs):
            f.readme_changed = True
        rows = commit_reasons([seed, f])
        return _bump(next((r["reasons"] for r in rows if r["commit_id"] == "<files>"), []))

    def declarations(self, new: list[Any], facts: list[CommitFacts], seed: CommitFacts) -> dict[str, list[str]]:
        """Per new commit, the version signals that declare it: a version tag on it, a new card
        ``version``, a new version in the card's changelog."""
        out: dict[str, set[str]] = {c.commit_id: set() for c in new}
        try:
            refs = self.hub.refs(self.mid)
            for tag in refs.tags:
                if tag.target_commit in out and parse_version(tag.name):
                    out[tag.target_commit].add("tag")
        except HUB_ERRORS as exc:  # tags unknown: the other signals still count, and the change says so
            failure = classify(exc)
            self.unread.append(f"refs: {failure.error_type}: {failure.message}")
        version = self.entry.get("card_version")
        known = set(changelog_versions(seed.readme))
        for f in facts:
            if not f.readme_changed:
                continue
            now_version = card_fields(f.front_matter).get("version")
            if now_version and now_version != version and parse_version(now_version):
                out[f.commit_id].add("card_version")
            version = now_version
            fresh = set(changelog_versions(f.readme)) - known
            if fresh:
                out[f.commit_id].add("readme_changelog")
            known |= fresh
        return {k: sorted(v) for k, v in out.items()}


def compare(hub: Hub, entry: dict[str, Any], now: Observed, line: int | None) -> ModelCheck:
    check = ModelCheck(entry["id"], entry["commit"], entry.get("revision", DEFAULT_REVISION), line)
    check.current_id = now.model_id
    check.current_commit = now.sha
    if now.status == "error":
        check.error = now.detail
        return check
    if now.status in ("deleted", "private"):
        check.changes.append(_change(now.status))
        return check
    if now.status == "revision_gone":
        check.changes.append(_change("history_rewritten", detail=now.detail))
        return check
    if now.model_id != entry["id"]:
        # the new name declares a version when its version differs in value (v0.1 → v0.1-new does not)
        old_v, new_v = parse_name(entry["id"]).version_key, parse_name(now.model_id or "").version_key
        by = ["name_version"] if new_v and new_v != old_v else []
        check.changes.append(_change("renamed", declared_by=by, to=now.model_id))
    if now.gated != "false" and entry.get("gated", "false") == "false":
        check.changes.append(_change("gated", detail=f"gated: {now.gated}"))
    if now.disabled and not entry.get("disabled"):
        check.changes.append(_change("disabled"))
    if now.private and not entry.get("private"):
        check.changes.append(_change("private"))
    if now.sha != entry["commit"]:
        try:
            check.changes.extend(_Inspector(hub, entry, now).run())
        except HUB_ERRORS as exc:
            failure = classify(exc)
            if failure.error_type in ("network", "timeout"):
                raise hub_error(hub.endpoint, entry["id"], exc, "history") from exc
            if failure.error_type in ("gated", "disabled", "unauthorized"):
                # the head moved, but what it moved to cannot be read without access
                check.changes.append(_change("head_moved", detail=f"history not readable: {failure.error_type}"))
            else:
                check.error = f"reading the history failed: {failure.error_type}: {failure.message}"
    return check


def verify(lock_path: str | Path, endpoint: str, token: str | None = None, fail_on: str = "any", timeout: float = 30.0) -> VerifyResult:
    """Compare the lock at ``lock_path`` with the Hub at ``endpoint``."""
    if fail_on not in FAIL_ON:
        raise HfauditError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}", code=2)
    lock, lines = read_lock(lock_path)
    models = lock.get("models") or []
    configure_client(timeout)
    before = STATS.as_dict()
    hub = Hub(endpoint, token)
    budget = len(models) + math.ceil(len(models) / 1000)
    observed = observe(hub, models, budget)
    checks = [compare(hub, m, observed[m["id"]], lines.get(m["id"])) for m in models]
    after = STATS.as_dict()
    requests = {"total": after["total"] - before["total"], "budget_unchanged": budget}
    return VerifyResult(str(lock_path), endpoint, fail_on, checks, requests)
