"""rich progress bars for a crawl: models, commits, requests and rate-limit waits, with an ETA."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hfaudit.collect.hub import STATS


class CrawlProgress:
    """Progress shown on stderr; a no-op when disabled (``--quiet``) or when stderr is not a terminal."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._models: TaskID | None = None

    def __enter__(self) -> CrawlProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[calls]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._models = self._progress.add_task("listing models", total=None, calls="")
        return self

    def update(self, event: str, n: int) -> None:
        if self._progress is None or self._models is None:
            return
        stats = STATS.as_dict()
        calls = (
            f"{stats['total']} calls · {stats['retries']} retries · "
            f"{stats['rate_limit_waits']} rate-limit waits ({stats['rate_limit_wait_seconds']:.0f} s)"
        )
        if event == "listed":
            self._progress.update(self._models, description="models", total=n, calls=calls)
        elif event in ("unchanged", "model"):
            self._progress.update(self._models, advance=n, calls=calls)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
