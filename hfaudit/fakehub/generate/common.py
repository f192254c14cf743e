"""What every part of the generator shares: the segment types, weight extensions, the clock and the
seeded helpers (``_hash`` for ids and digests, ``_quota`` and ``_weighted`` for draws)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Sequence
from typing import Any

SEGMENT_TYPES = (
    "identifier",
    "base-model",
    "size",
    "training-mechanism",
    "variant-type",
    "version",
    "task",
    "language",
    "dataset",
    "creation-date",
    "description",
    "ambiguous",
)
WEIGHT_EXTENSIONS = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".msgpack",
    ".onnx",
    ".gguf",
    ".tflite",
    ".mlmodel",
)
EPOCH = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC)  # the Hub's migration timestamp
# The date a generated registry is a snapshot of (seconds after EPOCH): no commit is later.
SNAPSHOT_END = int((dt.datetime(2026, 10, 31, tzinfo=dt.UTC) - EPOCH).total_seconds())
DAY = 86_400


def _hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _quota(rng: random.Random, n: int, forced: Sequence[Any], draw: Callable[[], Any]) -> list[Any]:
    """``n`` values: every forced value once (when ``n`` allows), the rest drawn; shuffled."""
    values = list(forced[:n]) + [draw() for _ in range(max(0, n - len(forced)))]
    rng.shuffle(values)
    return values


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]
