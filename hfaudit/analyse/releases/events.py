"""Weight-change events: every change to a weight file, with what kind of change it was.

The crawler stores one ``file_changes`` row per path a commit touched (from tree diffs; weights
are found at every commit in both ``--changes`` modes). This module walks each model's weight rows
in commit order, keeping the set of weight files present, and names each change:

- ``initial``: a weight file of the first release: added by the first commit that added weights,
  by a commit within ``INITIAL_UPLOAD_MINUTES`` after it that only adds new weight files (uploads
  split over several commits), or a shard that completes a sharded set the first release began
  (``model-00002-of-00003``);
- ``replaced``: the same path with new content (a new LFS sha256, or a new blob for a non-LFS file);
  a rewritten pointer with the same sha256 is not a change of weights and yields no event;
- ``converted``: a ``.safetensors`` file added next to an existing weight file of the same stem
  in another format (``pytorch_model.bin`` → ``model.safetensors``) and of about the same size, or
  committed by the Hub's conversion bot (author ``SFconvertbot`` or its title);
- ``added``: any other weight file added after the first release;
- ``deleted``: a weight file removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

CHANGE_KINDS = ("initial", "replaced", "added", "deleted", "converted")
CONVERT_BOT = "SFconvertbot"
_CONVERT_TITLE = re.compile(r"safetensors.{0,3}variant|convert(ed|ing)? (to|into) safetensors", re.IGNORECASE)
_SHARD = re.compile(r"^(?P<stem>.+)-(?P<i>\d{3,6})-of-(?P<n>\d{3,6})(?P<ext>\.[^/]+)$")
_FORMAT_PREFIX = re.compile(r"^(pytorch_|tf_|flax_|rust_)")
# How close in size a safetensors copy must be to the file it converts (same dtype ⇒ within bytes).
CONVERT_SIZE_TOLERANCE = 0.05
INITIAL_UPLOAD_MINUTES = 60


@dataclass(frozen=True)
class CommitInfo:
    commit_id: str
    position: int
    committed_at: Any
    title: str
    message: str
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """A ``file_changes`` row of a weight file."""

    commit_id: str
    path: str
    change_kind: str  # added | modified | deleted
    old_blob: str | None
    new_blob: str | None
    old_sha256: str | None
    new_sha256: str | None
    old_size: int | None
    new_size: int | None


@dataclass
class WeightEvent:
    commit: CommitInfo
    path: str
    change_kind: str
    old_sha256: str | None
    new_sha256: str | None
    old_size: int | None
    new_size: int | None
    from_path: str | None = None
    signals: list[str] = field(default_factory=list)
    documented: bool = False


def stem(path: str) -> str:
    """A weight file's name without format: ``pytorch_model-00001-of-00002.bin`` → ``model-00001-of-00002``."""
    p = PurePosixPath(path)
    name = p.name.split(".", 1)[0]
    name = _FORMAT_PREFIX.sub("", name)
    return str(p.parent / name) if str(p.parent) != "." else name


def is_conversion_commit(commit: CommitInfo) -> bool:
    return CONVERT_BOT.lower() in (a.lower() for a in commit.authors) or bool(
        _CONVERT_TITLE.search(commit.title or "")
    )


def _conversion_source(
    change: FileChange, tree: dict[str, tuple[str | None, int | None]], by_bot: bool
) -> str | None:
    """The existing weight file that an added ``.safetensors`` file is a copy of, if any."""
    if not change.path.endswith(".safetensors"):
        return None
    target = stem(change.path)

    def distance(path: str) -> tuple[float, bool, str]:
        size = tree[path][1]
        gap = abs(size - change.new_size) / size if size and change.new_size else 1.0
        return (gap, not path.endswith((".bin", ".pt", ".pth", ".ckpt")), path)

    candidates = sorted((p for p in tree if not p.endswith(".safetensors") and stem(p) == target), key=distance)
    if candidates and (by_bot or distance(candidates[0])[0] <= CONVERT_SIZE_TOLERANCE):
        return candidates[0]
    if by_bot:
        # The bot converts oddly named checkpoints too: name the closest other weight file.
        others = sorted((p for p in tree if not p.endswith(".safetensors")), key=distance)
        return others[0] if others else ""
    return None


def _minutes(a: Any, b: Any) -> float:
    if a is None or b is None:
        return float("inf")
    delta = b - a
    seconds = delta.total_seconds() if hasattr(delta, "total_seconds") else float(delta) / 1e9
    return float(abs(seconds) / 60)


def classify(commits: Sequence[CommitInfo], changes: Iterable[FileChange]) -> list[WeightEvent]:
    """The weight events of one model, in commit order, from its weight ``file_changes`` rows."""
    by_commit: dict[str, list[FileChange]] = {}
    for change in changes:
        by_commit.setdefault(change.commit_id, []).append(change)
    tree: dict[str, tuple[str | None, int | None]] = {}
    first_at: Any = None  # time of the first commit that touched weights
    in_first_release = False  # whether the commit at hand still belongs to the first release
    first_release_open = True  # no commit after the first release has touched weights yet
    open_shards: dict[tuple[str, str, str], set[str]] = {}  # sharded sets begun by the first release
    events: list[WeightEvent] = []
    for commit in commits:
        rows = sorted(by_commit.get(commit.commit_id, []), key=lambda c: c.path)
        if not rows:
            continue
        if first_at is None:
            first_at, in_first_release = commit.committed_at, True
        else:
            in_first_release = (
                first_release_open
                and all(r.change_kind == "added" and r.path not in tree for r in rows)
                and _minutes(first_at, commit.committed_at) <= INITIAL_UPLOAD_MINUTES
            )
        bot = is_conversion_commit(commit)
        kinds: list[str] = []
        for row in rows:
            source: str | None = None
            shard = _SHARD.match(row.path)
            key = (shard["stem"], shard["n"], shard["ext"]) if shard else ("", "", "")
            if row.change_kind == "deleted":
                kind = "deleted"
            elif row.change_kind == "modified":
                if row.old_sha256 and row.new_sha256 and row.old_sha256 == row.new_sha256:
                    continue  # pointer rewritten, same content
                kind = "replaced"
            elif in_first_release:
                kind = "initial"
                if shard:
                    open_shards.setdefault(key, set()).add(shard["i"])
            elif shard and shard["i"] not in open_shards.get(key, {shard["i"]}):
                kind = "initial"  # a shard the first release began and had not finished
                open_shards[key].add(shard["i"])
            else:
                source = _conversion_source(row, tree, bot)
                kind = "converted" if source is not None else "added"
            kinds.append(kind)
            events.append(
                WeightEvent(
                    commit=commit,
                    path=row.path,
                    change_kind=kind,
                    old_sha256=row.old_sha256,
                    new_sha256=row.new_sha256,
                    old_size=row.old_size,
                    new_size=row.new_size,
                    from_path=source or None,
                )
            )
        for row in rows:
            if row.change_kind == "deleted":
                tree.pop(row.path, None)
            else:
                tree[row.path] = (row.new_sha256 or row.new_blob, row.new_size)
        if not in_first_release:
            first_release_open = False
            if any(k != "initial" for k in kinds):
                open_shards.clear()  # anything else happened to the weights: the first release is over
    return events
