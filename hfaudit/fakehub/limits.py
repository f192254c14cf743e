"""Server options, rate-limit buckets, fault injection and request statistics of the fake Hub.

Everything here is shared between threads of the HTTP server, so every counter sits behind a lock.
The option strings (``--quota api=1000/300``, ``--faults 500:0.05,reset:0.02``,
``--fault-schedule 3:500,7:reset``) are parsed here so the CLI and the tests use one grammar.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

BUCKETS = ("api", "resolvers", "git")
FAULT_KINDS = ("429", "500", "502", "503", "504", "reset", "timeout", "truncate")
# Faults the HTTP layer must perform itself (the handler cannot express them as a status code).
SOCKET_FAULTS = ("reset", "timeout", "truncate")
DEFAULT_QUOTAS: dict[str, tuple[int, float]] = {
    "api": (1_000_000, 300.0),
    "resolvers": (1_000_000, 300.0),
    "git": (1_000_000, 300.0),
}


class OptionError(ValueError):
    """A malformed server option; the message is one line meant for the user."""


@dataclass(frozen=True)
class HubOptions:
    """How the fake Hub behaves beyond serving the registry."""

    latency_ms: float = 0.0
    quotas: dict[str, tuple[int, float]] = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    fault_rates: dict[str, float] = field(default_factory=dict)
    fault_seed: int = 0
    fault_schedule: dict[int, str] = field(default_factory=dict)
    anonymous_404_as_401: bool = False
    token_access: tuple[str, ...] = ()
    timeout_stall_s: float = 12.0
    # An injected 429 announces this reset (seconds), as a short burst limiter would, rather than
    # the rest of the quota window: clients must wait exactly this long, not the whole window.
    fault_429_reset_s: int = 1
    # The git view honours partial-clone filters (uploadpack.allowFilter); False plays a server
    # that ignores them, so clients must notice ("filtering not recognized by server").
    git_allow_filter: bool = True

    def token_may_access(self, token: str | None) -> bool:
        """Whether a bearer token may see gated and private repos."""
        return token is not None and ("*" in self.token_access or token in self.token_access)


def parse_quota(text: str) -> tuple[str, int, float]:
    """``api=1000/300`` → ``("api", 1000, 300.0)``."""
    try:
        bucket, rest = text.split("=", 1)
        calls, seconds = rest.split("/", 1)
        quota, window = int(calls), float(seconds)
    except ValueError:
        raise OptionError(f"bad --quota {text!r}: expected BUCKET=CALLS/SECONDS, e.g. api=1000/300") from None
    bucket = bucket.strip()
    if bucket not in BUCKETS:
        raise OptionError(f"bad --quota {text!r}: bucket must be one of {', '.join(BUCKETS)}")
    if quota < 0 or window <= 0:
        raise OptionError(f"bad --quota {text!r}: CALLS must be >= 0 and SECONDS > 0")
    return bucket, quota, window


def parse_fault_rates(text: str) -> dict[str, float]:
    """``500:0.05,reset:0.02`` → ``{"500": 0.05, "reset": 0.02}``."""
    rates: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, _, rate = item.partition(":")
        if kind not in FAULT_KINDS:
            raise OptionError(f"bad --faults item {item!r}: kind must be one of {', '.join(FAULT_KINDS)}")
        try:
            value = float(rate)
        except ValueError:
            raise OptionError(f"bad --faults item {item!r}: expected KIND:RATE with RATE in [0, 1]") from None
        if not 0.0 <= value <= 1.0:
            raise OptionError(f"bad --faults item {item!r}: RATE must be in [0, 1]")
        rates[kind] = rates.get(kind, 0.0) + value
    if sum(rates.values()) > 1.0:
        raise OptionError("bad --faults: the rates add up to more than 1")
    return rates


def parse_fault_schedule(text: str) -> dict[int, str]:
    """``3:500,7:reset`` → ``{3: "500", 7: "reset"}``: the N-th counted request gets that fault."""
    schedule: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        number, _, kind = item.partition(":")
        if kind not in FAULT_KINDS or not number.isdigit() or int(number) < 1:
            raise OptionError(
                f"bad --fault-schedule item {item!r}: expected N:KIND with N >= 1 and KIND one of {', '.join(FAULT_KINDS)}"
            )
        schedule[int(number)] = kind
    return schedule


class RateLimiter:
    """Fixed-window quotas per bucket. Every counted request takes one call from its bucket."""

    def __init__(self, quotas: dict[str, tuple[int, float]], clock: Any = time.monotonic):
        self._quotas = {**DEFAULT_QUOTAS, **quotas}
        self._clock = clock
        self._lock = threading.Lock()
        self._used: dict[str, int] = {}
        self._start: dict[str, float] = {}

    def _roll(self, bucket: str, now: float) -> None:
        _, window = self._quotas[bucket]
        start = self._start.get(bucket)
        if start is None or now >= start + window:
            self._start[bucket] = now
            self._used[bucket] = 0

    def take(self, bucket: str) -> tuple[bool, dict[str, str]]:
        """Consume one call; returns (allowed, RateLimit headers after the call)."""
        with self._lock:
            now = self._clock()
            self._roll(bucket, now)
            quota, _ = self._quotas[bucket]
            allowed = self._used[bucket] < quota
            if allowed:
                self._used[bucket] += 1
            return allowed, self._headers(bucket, now)

    def peek(self, bucket: str) -> dict[str, str]:
        """The headers without consuming a call (for the uncounted ``/_fakehub`` routes)."""
        with self._lock:
            now = self._clock()
            self._roll(bucket, now)
            return self._headers(bucket, now)

    def _headers(self, bucket: str, now: float) -> dict[str, str]:
        quota, window = self._quotas[bucket]
        remaining = max(0, quota - self._used[bucket])
        reset = max(1, math.ceil(self._start[bucket] + window - now))
        return {
            "RateLimit": f'"{bucket}";r={remaining};t={reset}',
            "RateLimit-Policy": f'"fixed window";"{bucket}";q={quota};w={int(window)}',
        }

    def reset(self) -> None:
        with self._lock:
            self._used.clear()
            self._start.clear()


class FaultInjector:
    """Decides which counted request gets which fault: a fixed schedule first, then seeded rates."""

    def __init__(self, rates: dict[str, float], seed: int, schedule: dict[int, str]):
        self._rates = [(kind, rate) for kind, rate in rates.items() if rate > 0]
        self._schedule = dict(schedule)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self, number: int) -> str | None:
        if number in self._schedule:
            return self._schedule[number]
        if not self._rates:
            return None
        with self._lock:
            draw = self._rng.random()
        for kind, rate in self._rates:
            if draw < rate:
                return kind
            draw -= rate
        return None


class Stats:
    """Thread-safe request counters, as served by ``GET /_fakehub/stats``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self._total = 0
            self._buckets: Counter[str] = Counter({b: 0 for b in BUCKETS})
            self._routes: Counter[str] = Counter()
            self._status: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._bytes: Counter[str] = Counter({b: 0 for b in BUCKETS})

    def begin(self, bucket: str) -> int:
        """Count a request; returns its 1-based number since the last reset."""
        with self._lock:
            self._total += 1
            self._buckets[bucket] += 1
            return self._total

    def add_bytes(self, bucket: str, count: int) -> None:
        """Body bytes answered in ``bucket`` (as announced: a truncated body counts whole)."""
        with self._lock:
            self._bytes[bucket] += count

    def finish(self, route: str, status: int | str, fault: str | None) -> None:
        with self._lock:
            self._routes[route] += 1
            self._status[str(status)] += 1
            if fault:
                self._faults[fault] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._total,
                "buckets": dict(self._buckets),
                "routes": dict(sorted(self._routes.items())),
                "status": dict(sorted(self._status.items())),
                "faults": dict(sorted(self._faults.items())),
                "bytes": dict(self._bytes),
            }
