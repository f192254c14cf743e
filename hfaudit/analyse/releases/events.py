"""Weight-change events: every change to a weight file, with what kind of change it was.

The crawler stores one ``file_changes`` row per path a commit touched (from tree diffs; weights
are found at every commit in both ``--changes`` modes). Each model's weight rows, in commit order,
are named by these rules (applied as set work in DuckDB by :mod:`.build`; this module holds their
constants and the row shapes tests build stores from):

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
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

CHANGE_KINDS = ("initial", "replaced", "added", "deleted", "converted")
CONVERT_BOT = "SFconvertbot"
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


def stem(path: str) -> str:
    """A weight file's name without format: ``pytorch_model-00001-of-00002.bin`` → ``model-00001-of-00002``."""
    p = PurePosixPath(path)
    name = p.name.split(".", 1)[0]
    name = _FORMAT_PREFIX.sub("", name)
    return str(p.parent / name) if str(p.parent) != "." else name
