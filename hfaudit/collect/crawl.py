"""The crawler: a scope of the Hub into the store, as one snapshot.

For each listed model it stores the metadata (from the list endpoint, in bulk), every commit, the
file changes of every commit (by diffing the recursive tree at consecutive commits), the text of
README.md and the small config files at each commit that changed them (through the resolvers
bucket), and the refs. A model whose head ``sha`` has not moved since it was last crawled costs no
further call; only commits not yet stored are fetched.

Network work runs in a bounded pool of workers; one writer thread stores each batch in one
transaction together with the crawl state, so a killed crawl resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hfaudit import __version__
from hfaudit.cards import CARD_MAX_BYTES, METADATA_JSON_MAX_BYTES, as_list, cut_card, parse_card
from hfaudit.collect.history_git import (
    GIT_STATS,
    GitBackend,
    GitFailure,
    GitOptions,
    check_client,
    check_filter,
    parse_git_quota,
)
from hfaudit.collect.hub import HUB_ERRORS, STATS, Hub, ListingError, classify, configure_client
from hfaudit.errors import EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, HfauditError
from hfaudit.files import MATTERING, category, content_tracked
from hfaudit.store import ModelBatch, Store
from hfaudit.types import ModelId

CHANGE_MODES = ("all", "matter")
HISTORY_MODES = ("auto", "git", "api")
# Default workers. A git worker mostly waits on its git processes and makes 2 requests a model, so
# more of them pay (300 models at 20 ms: 49 s with 4, 37 s with 16; docs/crawler.md).
API_WORKERS, GIT_WORKERS = 4, 16
# What fetch records per model instead of crashing: the Hub's errors, and a record of a shape the
# crawler cannot read (a TypeError from ``"authors": null`` is ``bad_response``, not a traceback).
MODEL_ERRORS: tuple[type[BaseException], ...] = (*HUB_ERRORS, TypeError, AttributeError)
SHOWN_FAILURES = 10  # failed models named in the summary, then "+N more"
# File categories whose changes the crawler must find at every commit (see find_changes).


@dataclass(frozen=True)
class Scope:
    """What to crawl. Empty scope = every public model the endpoint lists."""

    authors: tuple[str, ...] = ()
    search: str | None = None
    filters: tuple[str, ...] = ()
    model_ids: tuple[ModelId, ...] = ()
    limit: int | None = None
    sort: str | None = None

    @property
    def complete_listing(self) -> bool:
        """Whether the listing enumerates the whole scope, so absent models are gone."""
        return not self.model_ids and self.search is None and not self.filters and self.limit is None


@dataclass
class CrawlCounts:
    models_listed: int = 0
    models_crawled: int = 0
    models_unchanged: int = 0
    models_failed: int = 0
    models_gone: int = 0
    models_renamed: int = 0
    commits_added: int = 0
    file_changes_added: int = 0


@dataclass
class CrawlResult:
    snapshot_id: int
    counts: CrawlCounts
    requests: dict[str, Any]
    seconds: float
    errors: list[dict[str, Any]] = field(default_factory=list)
    history: str = "api"
    status: str = "complete"

    @property
    def exit_code(self) -> int:
        """0 complete, ``EXIT_PARTIAL`` when some models failed, ``EXIT_NOTHING`` when none was stored."""
        return {"complete": EXIT_OK, "partial": EXIT_PARTIAL}.get(self.status, EXIT_NOTHING)

    def failures(self) -> str:
        """The failed models with their first reason, ``SHOWN_FAILURES`` of them then "+N more"."""
        first: dict[str, str] = {}
        for e in self.errors:
            if e["stage"] != "card":
                first.setdefault(e["model_id"], f"{e['error_type']}: {e['message']}"[:120])
        shown = [f"{m} ({why})" for m, why in list(first.items())[:SHOWN_FAILURES]]
        more = len(first) - len(shown)
        return "; ".join(shown) + (f"; +{more} more" if more > 0 else "")

    def summary(self) -> str:
        c = self.counts
        r = self.requests
        head = (
            f"Snapshot {self.snapshot_id}: listed {c.models_listed} models; crawled {c.models_crawled}, "
            f"unchanged {c.models_unchanged}, failed {c.models_failed}, gone {c.models_gone}, "
            f"renamed {c.models_renamed}; stored {c.commits_added} new commits and {c.file_changes_added} "
            f"file changes in {self.seconds:.1f} s with {r.get('total', 0)} requests "
            f"({r.get('buckets', {}).get('api', 0)} api, {r.get('buckets', {}).get('resolvers', 0)} resolvers, "
            f"{r.get('buckets', {}).get('git', 0)} git in {r.get('git', {}).get('fetches', 0)} fetches, "
            f"{r.get('retries', 0)} retries, {r.get('rate_limit_waits', 0)} rate-limit waits"
            + (f"; git failed for {sum(fb.values())} models"
               + (" (each crawled through the API instead)" if self.history == "auto" else "") + ": "
               + ", ".join(f"{k} {v}" for k, v in sorted(fb.items())) if (fb := r.get("git", {}).get("fallbacks")) else "")
            + ")."
        )
        failed = self.failures()
        return f"{head}\nStatus: {self.status}." + (f" Failed: {failed}" if failed else "")


def needs_base_models(tags: Iterable[str] | None) -> bool:
    """Whether a model's tags show a declared base, so that ``baseModels`` is worth a call."""
    return any(str(t).startswith("base_model:") for t in tags or ())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _gated(value: Any) -> str:
    return "false" if value in (None, False) else str(value)


def model_row(info: Any, snapshot_id: int) -> dict[str, Any]:
    """The ``models`` row for a ModelInfo (crawl state left to the caller)."""
    card = info.card_data.to_dict() if getattr(info, "card_data", None) is not None else None
    config = info.config if isinstance(getattr(info, "config", None), dict) else None
    notes = []
    card_json, config_json = _json(card), _json(config)
    for name, text in (("cardData", card_json), ("config", config_json)):
        if text is not None and len(text) > METADATA_JSON_MAX_BYTES:
            notes.append(("card_refused", f"{name} from the Hub is {len(text):,} bytes of JSON, over the {METADATA_JSON_MAX_BYTES:,}-byte limit: not stored"))
    if card_json is not None and len(card_json) > METADATA_JSON_MAX_BYTES:
        card, card_json = None, None
    if config_json is not None and len(config_json) > METADATA_JSON_MAX_BYTES:
        config, config_json = None, None
    return {
        "model_id": info.id,
        "object_id": getattr(info, "_id", None) or info.__dict__.get("_id"),
        "author": info.author or info.id.split("/")[0],
        "sha": info.sha,
        "created_at": info.created_at,
        "last_modified": info.last_modified,
        "private": info.private,
        "gated": _gated(info.gated),
        "disabled": info.disabled,
        "downloads": info.downloads,
        "likes": info.likes,
        "pipeline_tag": info.pipeline_tag,
        "library_name": info.library_name,
        "tags": list(info.tags or []),
        "card_data": card_json,
        "config": config_json,
        "card_base_models": as_list((card or {}).get("base_model")) or None,
        "card_base_model_relation": (card or {}).get("base_model_relation"),
        "config_model_type": (config or {}).get("model_type"),
        "status": "present",
        "renamed_to": None,
        "first_snapshot": snapshot_id,
        "last_snapshot": snapshot_id,
        "crawled_sha": None,
        "crawled_snapshot": None,
        "_notes": notes,  # not a column: recorded as the model's card errors by fetch
    }


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _entry(file: Any) -> dict[str, Any] | None:
    if not hasattr(file, "blob_id"):
        return None  # a folder
    lfs = getattr(file, "lfs", None)
    last = getattr(file, "last_commit", None)
    return {
        "blob": file.blob_id,
        "sha256": lfs.sha256 if lfs is not None else None,
        "size": file.size,
        "last_commit": last.oid if last is not None else None,
    }


def diff_trees(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The file changes between two trees (path → blob, sha256, size), in path order."""
    changes = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old is not None and new is not None and old["blob"] == new["blob"]:
            continue
        kind = "added" if old is None else "deleted" if new is None else "modified"
        changes.append(
            {
                "path": path,
                "change_kind": kind,
                "category": category(path),
                "old_blob": old and old["blob"],
                "new_blob": new and new["blob"],
                "old_sha256": old and old["sha256"],
                "new_sha256": new and new["sha256"],
                "old_size": old and old["size"],
                "new_size": new and new["size"],
                "is_lfs": bool((new or old or {}).get("sha256")),
            }
        )
    return changes


class ApiHistory:
    """A model's history through the HTTP API: one call per commit list page, tree and text."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    def commits(self, model_id: str, head: str) -> list[Any]:
        return self.crawler.hub.commits(model_id, head)

    def tree(self, model_id: str, revision: str, expand: bool = False) -> dict[str, dict[str, Any]]:
        return self.crawler._tree(model_id, revision, expand)

    def text(self, model_id: str, path: str, revision: str) -> str:
        return self.crawler.hub.download_text(model_id, path, revision)

    def refs(self, model_id: str) -> list[tuple[str, str, str]]:
        refs = self.crawler.hub.refs(model_id)
        return [("branch", r.name, r.target_commit) for r in refs.branches] + [
            ("tag", r.name, r.target_commit) for r in refs.tags
        ]


class Crawler:
    def __init__(self, hub: Hub, snapshot_id: int, changes: str = "all", history: str = "api",
                 git: GitBackend | None = None):  # fmt: skip
        self.hub = hub
        self.snapshot_id = snapshot_id
        self.changes = changes
        self.history = history
        self.git = git
        self.api_history = ApiHistory(self)

    def error_row(self, model_id: str, stage: str, exc: BaseException) -> dict[str, Any]:
        failure = classify(exc)
        return {
            "snapshot_id": self.snapshot_id,
            "model_id": model_id,
            "stage": stage,
            "error_type": failure.error_type,
            "status_code": failure.status_code,
            "message": failure.message,
            "occurred_at": _now(),
            "resolved_snapshot": None,
            "field": getattr(exc, "field", None),
        }

    def _git_history(self, row: dict[str, Any]) -> tuple[Any, dict[str, Any] | None, GitFailure | None]:
        """(history to read, fallback error row or None, git failure when there is no fallback)."""
        model_id, head = row["model_id"], row["sha"]
        if self.history == "api" or self.git is None or not head:
            return self.api_history, None, None
        try:
            return self.git.open(model_id, head), None, None
        except GitFailure as exc:
            if exc.reason == "git_denied" and (row.get("disabled") or _gated(row.get("gated")) != "false"):
                # The listing says why: the API would refuse the same way, so there is nothing to fall back to.
                kind = "disabled" if row.get("disabled") else "gated"
                return None, None, GitFailure(kind, f"the model is {kind}; git was refused: {exc.message}", exc.status)
            with GIT_STATS.lock:
                GIT_STATS.reasons[exc.reason] += 1
            if self.history == "git":
                return None, None, exc
            # auto: the API gives this model's history; the reason is kept, already resolved.
            return self.api_history, {
                "snapshot_id": self.snapshot_id, "model_id": model_id, "stage": "git", "error_type": exc.reason,
                "status_code": exc.status, "message": f"fell back to the API: {exc.message}"[:500],
                "occurred_at": _now(), "resolved_snapshot": self.snapshot_id, "field": None,
            }, None  # fmt: skip

    def fetch(self, row: dict[str, Any], known: dict[str, int], files: dict[str, dict[str, Any]], crawled_sha: str | None) -> ModelBatch:
        """All network work for one model; returns what to store. Never raises for Hub errors."""
        model_id, head = row["model_id"], row["sha"]
        batch = ModelBatch()
        history, fallback, git_failure = self._git_history(row)
        if git_failure is not None:
            failed = ModelBatch()
            failed.models.append(dict(row))
            failed.model_snapshots.append(self._seen(row, "failed"))
            failed.crawl_errors.append({
                "snapshot_id": self.snapshot_id, "model_id": model_id, "stage": "git",
                "error_type": git_failure.reason, "status_code": git_failure.status,
                "message": git_failure.message[:500], "occurred_at": _now(), "resolved_snapshot": None, "field": None,
            })  # fmt: skip
            return failed
        stage = "commits"
        try:
            commits = history.commits(model_id, head) if head else []
            ordered = list(reversed(commits))  # oldest first
            current = {c.commit_id for c in ordered}
            gone = [cid for cid in known if cid not in current]
            if gone:
                batch.unreachable.append((model_id, gone))
            new = [(i, c) for i, c in enumerate(ordered) if c.commit_id not in known]
            # The tree before the first new commit: stored, or fetched when history was rewritten.
            prev_tree: dict[str, dict[str, Any]] = {}
            if new:
                first = new[0][0]
                if first > 0:
                    parent = ordered[first - 1].commit_id
                    if parent == crawled_sha and not gone:
                        prev_tree = files
                    else:
                        stage = "tree"
                        prev_tree = history.tree(model_id, parent)
            elif not gone:
                prev_tree = files
            stage = "tree"
            per_commit, tree = self.find_changes(model_id, [c.commit_id for _, c in new], prev_tree, history)
            for position, commit in new:
                batch.commits.append(
                    {
                        "model_id": model_id,
                        "commit_id": commit.commit_id,
                        "committed_at": commit.created_at,
                        "title": commit.title,
                        "message": commit.message,
                        "authors": list(commit.authors or []),
                        "position": position,
                        "first_snapshot": self.snapshot_id,
                        "unreachable_since": None,
                    }
                )
                for change in per_commit.get(commit.commit_id, []):
                    batch.file_changes.append({"model_id": model_id, "commit_id": commit.commit_id, **change})
                    if change["change_kind"] != "deleted" and content_tracked(change["path"], change["new_size"]):
                        stage = "content"
                        text = history.text(model_id, change["path"], commit.commit_id)
                        self._content(batch, model_id, commit, change["path"], text)
            if new or gone or crawled_sha != head:
                if not new and gone and ordered:
                    stage = "tree"
                    tree = history.tree(model_id, ordered[-1].commit_id)
                batch.model_files_replace[model_id] = [
                    {"model_id": model_id, "path": p, **v, "category": category(p)} for p, v in sorted(tree.items())
                ]
            stage = "refs"
            for kind, name, target in history.refs(model_id):
                batch.refs.append(
                    {
                        "snapshot_id": self.snapshot_id,
                        "model_id": model_id,
                        "ref_type": kind,
                        "name": name,
                        "target_commit": target,
                    }
                )
            if needs_base_models(row.get("tags")):
                stage = "info"
                batch.model_base_models.extend(self._base_models(model_id))
        except MODEL_ERRORS as exc:  # every failure is recorded with its reason
            failed = ModelBatch()
            failed.models.append(dict(row))
            failed.model_snapshots.append(self._seen(row, "failed"))
            failed.crawl_errors.append(self.error_row(model_id, stage, exc))
            return failed
        row = dict(row, crawled_sha=head, crawled_snapshot=self.snapshot_id)
        batch.models.append(row)
        batch.model_snapshots.append(self._seen(row, "crawled"))
        batch.resolved_errors.append(model_id)
        if fallback is not None:
            batch.crawl_errors.append(fallback)
        # Card errors are data about the model, recorded after the open errors were resolved.
        for error_type, message in row.get("_notes") or ():
            batch.crawl_errors.append(
                {
                    "snapshot_id": self.snapshot_id, "model_id": model_id, "stage": "card", "error_type": error_type,
                    "status_code": None, "message": message, "occurred_at": _now(), "resolved_snapshot": None,
                }
            )
        for card in batch.card_versions:
            notes = []
            if card["card_error"]:
                notes.append(("card_refused" if card.get("_refused") else "card_unparseable", card["card_error"]))
            if card.get("_full_bytes"):
                notes.append(("card_truncated", f"README.md is {card['_full_bytes']:,} bytes: stored the first {CARD_MAX_BYTES:,}"))
            for error_type, message in notes:
                batch.crawl_errors.append(
                    {
                        "snapshot_id": self.snapshot_id,
                        "model_id": model_id,
                        "stage": "card",
                        "error_type": error_type,
                        "status_code": None,
                        "message": f"{card['commit_id'][:12]}: {message}",
                        "occurred_at": _now(),
                        "resolved_snapshot": None,
                    }
                )
        return batch

    def find_changes(
        self, model_id: str, commit_ids: list[str], base: dict[str, dict[str, Any]], history: Any = None
    ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
        """File changes per commit for ``commit_ids`` (oldest first), starting from tree ``base``.

        ``all``: the tree at every commit, diffed pairwise (one tree call per commit).
        ``matter``: bisection on the paths that matter (weights, card, configs, tokenizer,
        adapter, merge config): a range whose two ends agree on those paths holds no change to
        them and costs nothing more; a range of one commit is diffed in full. Calls grow with the
        number of commits that change those paths, not with the length of the history.
        """
        if not commit_ids:
            return {}, base
        history = history or self.api_history
        n = len(commit_ids)
        trees: dict[int, dict[str, dict[str, Any]]] = {-1: base}
        # A git history holds every tree locally: diffing each commit costs nothing there.
        if self.changes == "all" or history is not self.api_history:
            for i, cid in enumerate(commit_ids):
                trees[i] = history.tree(model_id, cid)
            return {cid: diff_trees(trees[i - 1], trees[i]) for i, cid in enumerate(commit_ids)}, trees[n - 1]
        position = {cid: i for i, cid in enumerate(commit_ids)}
        trees[n - 1] = self._tree(model_id, commit_ids[-1], expand=True)
        prints: dict[int, frozenset[tuple[str, str]]] = {}

        def quiet(lo: int, hi: int) -> bool:
            """Whether no commit in (lo, hi] changed a path that matters.

            The two ends must agree on those paths; none of them may have been last committed
            inside the range (a revert or a delete-and-re-add leaves the ends equal but moves the
            last commit); and every commit inside must be explained as the last commit of some
            other file that survives to ``hi``, so a commit that added or deleted a file that
            matters without a lasting trace is inspected instead of skipped.
            """
            if fingerprint(lo) != fingerprint(hi):
                return False
            explained: set[int] = set()
            for path, entry in trees[hi].items():
                last = position.get(entry.get("last_commit") or "", -1)
                if lo < last <= hi:
                    if category(path) in MATTERING:
                        return False
                    explained.add(last)
            return len(explained) == hi - lo

        def fingerprint(i: int) -> frozenset[tuple[str, str]]:
            if i not in prints:
                prints[i] = frozenset((p, e["blob"]) for p, e in trees[i].items() if category(p) in MATTERING)
            return prints[i]

        out: dict[str, list[dict[str, Any]]] = {}
        stack = [(-1, n - 1)]
        while stack:
            lo, hi = stack.pop()
            if quiet(lo, hi):
                continue
            if hi == lo + 1:
                out[commit_ids[hi]] = diff_trees(trees[lo], trees[hi])
                continue
            mid = (lo + hi) // 2
            trees[mid] = self._tree(model_id, commit_ids[mid], expand=True)
            stack.extend([(mid, hi), (lo, mid)])
        return out, trees[n - 1]

    def _base_models(self, model_id: str) -> list[dict[str, Any]]:
        """``baseModels`` from model info: the Hub's own resolution of the card's bases (one call,
        made only for models whose tags declare a base; the list endpoint cannot return it)."""
        base = self.hub.base_models(model_id)
        if not base:
            return []
        relation = base.get("relation")
        return [
            {
                "snapshot_id": self.snapshot_id,
                "model_id": model_id,
                "position": i,
                "parent_id": parent.get("id"),
                "parent_object_id": parent.get("_id"),
                "relation": relation,
            }
            for i, parent in enumerate(base.get("models") or [])
            if parent.get("id")
        ]

    def _tree(self, model_id: str, revision: str, expand: bool = False) -> dict[str, dict[str, Any]]:
        out = {}
        for item in self.hub.tree(model_id, revision, expand=expand):
            entry = _entry(item)
            if entry is not None:
                out[item.path] = entry
        return out

    def _content(self, batch: ModelBatch, model_id: str, commit: Any, path: str, text: str) -> None:
        if path == "README.md":
            card = parse_card(text)  # the whole card: its metadata comes first and is bounded itself
            stored, full_bytes = cut_card(text)
            front_matter, error, refused = _json(card.data), card.error, card.refused
            if front_matter is not None and len(front_matter) > METADATA_JSON_MAX_BYTES:
                front_matter, refused = None, True
                error = f"card metadata refused: {len(_json(card.data) or ''):,} bytes of JSON, over the {METADATA_JSON_MAX_BYTES:,}-byte limit"
            batch.card_versions.append(
                {
                    "model_id": model_id,
                    "commit_id": commit.commit_id,
                    "committed_at": commit.created_at,
                    "content": stored,
                    "front_matter": front_matter,
                    "card_error": error,
                    "content_bytes": len(text.encode("utf-8")),
                    "card_truncated": bool(full_bytes),
                    "_refused": refused,  # not a column: what the crawl error records
                    "_full_bytes": full_bytes,
                }
            )
        else:
            batch.file_contents.append({"model_id": model_id, "commit_id": commit.commit_id, "path": path, "content": text})

    def _seen(self, row: dict[str, Any], status: str) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "model_id": row["model_id"],
            "sha": row.get("sha"),
            "last_modified": row.get("last_modified"),
            "downloads": row.get("downloads"),
            "likes": row.get("likes"),
            "status": status,
        }


def _listing(hub: Hub, scope: Scope, crawler: Crawler, errors: ModelBatch) -> Iterator[dict[str, Any]]:
    """Model rows for the scope: from the list endpoint in bulk, or model_info per named id."""
    if scope.model_ids:
        for model_id in scope.model_ids:
            try:
                info = hub.model_info(model_id)
                row = model_row(info, crawler.snapshot_id)
            except MODEL_ERRORS as exc:  # recorded with its reason
                errors.crawl_errors.append(crawler.error_row(model_id, "info", exc))
                continue
            row["_requested_id"] = model_id
            yield row
        return
    authors: Iterable[str | None] = scope.authors or (None,)
    for author in authors:
        kwargs: dict[str, Any] = {}
        if author:
            kwargs["author"] = author
        if scope.search:
            kwargs["search"] = scope.search
        if scope.filters:
            kwargs["filter"] = list(scope.filters)
        if scope.sort:
            kwargs["sort"] = scope.sort
        if scope.limit:
            kwargs["limit"] = scope.limit
        for info in hub.list_models(**kwargs):
            if isinstance(info, ListingError):
                errors.crawl_errors.append(crawler.error_row(info.model_id, "list", info.error))
                continue
            try:
                yield model_row(info, crawler.snapshot_id)
            except MODEL_ERRORS as exc:  # a listed record of an unexpected shape
                errors.crawl_errors.append(crawler.error_row(str(getattr(info, "id", None) or "?"), "list", exc))


def list_ids(endpoint: str, author: str, token: str | None = None, timeout: float = 30.0) -> list[str]:
    """The ids of ``author``'s models, from the list endpoint alone (no history); ``HfauditError``
    when the listing fails."""
    configure_client(timeout)
    hub = Hub(endpoint, token)
    try:
        return [info.model_id if isinstance(info, ListingError) else info.id for info in hub.list_models(author=author)]
    except HUB_ERRORS as exc:
        failure = classify(exc)
        raise HfauditError(f"listing {author}'s models failed: {failure.error_type}: {failure.message}") from exc


def crawl(
    db: str,
    endpoint: str,
    scope: Scope,
    token: str | None = None,
    concurrency: int | None = None,
    timeout: float = 30.0,
    batch_size: int = 500,
    flush_seconds: float = 2.0,
    changes: str = "all",
    progress: Callable[[str, int], None] | None = None,
    history: str = "auto",
    git_cache: str | None = None,
    git_quota: str | None = None,
    git_filter: str = "none",
    git_client: str = "auto",
) -> CrawlResult:
    """Crawl ``scope`` from ``endpoint`` into ``db`` as one new snapshot.

    ``history``: ``git`` reads each model's history from a bare partial clone (``history_git``),
    ``api`` through the HTTP API, ``auto`` (the default) git with a fallback to the API per model.

    The snapshot ends ``complete`` (every model in scope stored), ``partial`` (some failed; the
    result names them), ``failed`` (none stored, or the listing failed) or ``interrupted`` (Ctrl-C;
    a run killed outright stays ``running`` until the next crawl marks it ``interrupted``). A store
    that this call created and that holds no model afterwards is removed again.
    """
    if changes not in CHANGE_MODES:
        raise HfauditError(f"--changes must be one of {', '.join(CHANGE_MODES)}, not {changes!r}", code=2)
    if history not in HISTORY_MODES:
        raise HfauditError(f"--history must be one of {', '.join(HISTORY_MODES)}, not {history!r}", code=2)
    try:
        options = GitOptions(filter=check_filter(git_filter), cache_dir=Path(git_cache) if git_cache else None,
                             quota=parse_git_quota(git_quota), timeout=timeout,
                             client=check_client(git_client, git_filter, git_cache))  # fmt: skip
    except ValueError as exc:
        raise HfauditError(str(exc), code=2) from None
    created = not Path(db).exists()
    outcome = {"status": "failed"}
    try:
        return _crawl(db, endpoint, scope, token, concurrency, timeout, batch_size, flush_seconds, changes, progress,
                      outcome, history, options)  # fmt: skip
    finally:
        if outcome["status"] == "failed" and created:
            _remove_store(Path(db))


def _crawl(
    db: str,
    endpoint: str,
    scope: Scope,
    token: str | None,
    concurrency: int | None,
    timeout: float,
    batch_size: int,
    flush_seconds: float,
    changes: str,
    progress: Callable[[str, int], None] | None,
    outcome: dict[str, str],
    history: str = "api",
    options: GitOptions | None = None,
) -> CrawlResult:
    """The crawl itself; its final status also goes into ``outcome`` (read even when it raises)."""
    options = options or GitOptions()
    configure_client(timeout)
    before = STATS.as_dict()
    git_before = GIT_STATS.as_dict()
    started = time.monotonic()
    counts = CrawlCounts()
    status = "failed"
    with Store(db) as store:
        snapshot_id = store.begin_snapshot(endpoint, asdict(scope), __version__)
        hub = Hub(endpoint, token)
        git = GitBackend(endpoint, token, options) if history != "api" else None
        crawler = Crawler(hub, snapshot_id, changes, history, git)
        pending = ModelBatch()
        listed: dict[ModelId, dict[str, Any]] = {}
        try:
            try:
                rows = list(_listing(hub, scope, crawler, pending))
            except HUB_ERRORS as exc:  # the listing itself failed: nothing to crawl
                failure = classify(exc)
                raise HfauditError(
                    f"listing models at {endpoint} failed: {failure.error_type}: {failure.message}", code=EXIT_NOTHING
                ) from exc
            for row in rows:
                listed[ModelId(row["model_id"])] = row
            counts.models_listed = len(listed)
            if progress:
                progress("listed", len(listed))
            state = store.crawl_state(listed)
            todo = []
            unchanged = ModelBatch()
            for model_id, row in listed.items():
                row.pop("_requested_id", None)
                st = state.get(model_id)
                if st and st["crawled_sha"] == row["sha"] and not st["has_error"] and st["status"] == "present":
                    unchanged.models.append(row)
                    unchanged.model_snapshots.append(crawler._seen(row, "unchanged"))
                    counts.models_unchanged += 1
                elif st and st["permanent_error"] and st["sha"] == row["sha"] and not token:
                    # Gated, disabled or missing, and nothing moved: asking again would fail the
                    # same way. Retried when the head moves or a token is given.
                    unchanged.models.append(dict(row, crawled_sha=st["crawled_sha"]))
                    unchanged.model_snapshots.append(crawler._seen(row, "failed"))
                    counts.models_failed += 1
                else:
                    todo.append((row, st["crawled_sha"] if st else None))
            if progress:
                progress("unchanged", counts.models_unchanged)
            store.write(unchanged, snapshot_id)
            counts.models_failed += len(pending.crawl_errors)
            _renames_and_gone(store, scope, listed, snapshot_id, counts, pending)

            def work(item: tuple[dict[str, Any], str | None]) -> ModelBatch:
                row, crawled_sha = item
                seen_before = row["model_id"] in state
                known = store_reads.known_commits(row["model_id"]) if seen_before else {}
                files = store_reads.current_files(row["model_id"]) if crawled_sha else {}
                return crawler.fetch(row, known, files, crawled_sha)

            store_reads = _LockedReads(store)
            last_flush = time.monotonic()
            workers = concurrency or (GIT_WORKERS if history != "api" else API_WORKERS)
            with cf.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                for result in pool.map(work, todo):
                    if result.model_snapshots[0]["status"] == "failed":
                        counts.models_failed += 1
                    else:
                        counts.models_crawled += 1
                    counts.commits_added += len(result.commits)
                    counts.file_changes_added += len(result.file_changes)
                    pending.extend(result)
                    if progress:
                        progress("model", 1)
                    # Flush every few seconds (or every batch_size models): a kill loses at most that.
                    if len(pending) >= batch_size or time.monotonic() - last_flush > flush_seconds:
                        store_reads.write(pending, snapshot_id)
                        pending = ModelBatch()
                        last_flush = time.monotonic()
            if git is not None and git.filter_refused:
                pending.crawl_errors.append({
                    "snapshot_id": snapshot_id, "model_id": "*", "stage": "git", "error_type": "filter_refused",
                    "status_code": None, "occurred_at": _now(), "resolved_snapshot": snapshot_id, "field": None,
                    "message": f"the server ignored --git-filter {options.filter} (filtering not recognized by server): "
                               "full clones were made",
                })  # fmt: skip
            store.write(pending, snapshot_id)
            stored = counts.models_crawled + counts.models_unchanged
            if not stored and not counts.models_gone:
                status = "failed"  # nothing in scope could be stored (or the scope lists nothing)
            else:
                status = "partial" if counts.models_failed else "complete"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            outcome["status"] = status
            requests = _delta(before, STATS.as_dict())
            git_delta = _delta(git_before, GIT_STATS.as_dict())
            requests["git"] = git_delta
            # In-process git requests went through the session (bucket git); the CLI's are counted 2 a command.
            buckets = requests.setdefault("buckets", {})
            buckets["git"] = buckets.get("git", 0) + git_delta.get("requests", 0)
            requests["total"] = requests.get("total", 0) + git_delta.get("requests", 0)
            store.finish_snapshot(snapshot_id, status, asdict(counts), requests)
            # This snapshot's errors, and the open ones of models skipped as failing for good.
            errors = [
                dict(zip(["model_id", "stage", "error_type", "message", "field"], r, strict=True))
                for r in store.con.execute(
                    "select model_id, stage, error_type, message, field from crawl_errors where snapshot_id = ? "
                    "or (resolved_snapshot is null and stage <> 'card' and model_id in "
                    "(select model_id from model_snapshots where snapshot_id = ? and status = 'failed')) "
                    "order by model_id, stage",
                    [snapshot_id, snapshot_id],
                ).fetchall()
            ]
    return CrawlResult(snapshot_id, counts, requests, time.monotonic() - started, errors, history=history, status=status)


def _remove_store(path: Path) -> None:
    """A store this crawl created and filled with nothing: removed, so a failed crawl leaves no
    empty database that a later command would take for a crawled one."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


class _LockedReads:
    """Serialises the workers' reads and the writer's writes on the one DuckDB connection."""

    def __init__(self, store: Store):
        self.store = store
        self.lock = threading.Lock()

    def known_commits(self, model_id: ModelId) -> dict[str, int]:
        with self.lock:
            return self.store.known_commits(model_id)

    def current_files(self, model_id: ModelId) -> dict[str, dict[str, Any]]:
        with self.lock:
            return self.store.current_files(model_id)

    def write(self, batch: ModelBatch, snapshot_id: int) -> None:
        with self.lock:
            self.store.write(batch, snapshot_id)


def _renames_and_gone(
    store: Store, scope: Scope, listed: dict[ModelId, dict[str, Any]], snapshot_id: int, counts: CrawlCounts, batch: ModelBatch
) -> None:
    """Stored models that the listing no longer shows: renamed (same ``_id``) or gone."""
    by_object = {row["object_id"]: mid for mid, row in listed.items() if row.get("object_id")}
    candidates: dict[ModelId, str | None] = {}
    if scope.model_ids:
        failed = {e["model_id"] for e in batch.crawl_errors if e["error_type"] == "not_found"}
        present = store.present_models()
        candidates = {m: present[m] for m in failed if m in present}
        # A named id that answered under another id (a 307 to the canonical one) was renamed.
        for mid in scope.model_ids:
            if mid in present and mid not in listed:
                candidates.setdefault(mid, present[mid])
    elif scope.complete_listing:
        for author in scope.authors or (None,):
            candidates.update(store.present_models(author))
        candidates = {m: o for m, o in candidates.items() if m not in listed}
    renamed = {m: by_object[o] for m, o in candidates.items() if o and o in by_object and by_object[o] != m}
    for old, new in sorted(renamed.items()):
        store.mark_models([old], "renamed", snapshot_id, renamed_to=new)
    gone = sorted(m for m in candidates if m not in renamed and m not in listed)
    store.mark_models(gone, "gone", snapshot_id)
    counts.models_renamed += len(renamed)
    counts.models_gone += len(gone)


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    def sub(a: Any, b: Any) -> Any:
        if isinstance(b, dict):
            return {k: sub((a or {}).get(k, 0), v) for k, v in b.items() if sub((a or {}).get(k, 0), v)}
        return round(b - (a or 0), 3) if isinstance(b, float) else b - (a or 0)

    return {k: sub(before.get(k), v) for k, v in after.items()}
