"""Progress reporting that is silent in library use.

Library code wraps long work in ``with progress.task("ALS epochs", total=n) as t: ... t.advance()``.
Nothing is shown until an application (the CLI, a benchmark) installs a reporter with
:func:`set_reporter`, as LensKit's ``set_progress_impl`` does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ProgressTask", "Reporter", "Stopwatch", "set_reporter", "task"]


class ProgressTask(Protocol):
    """A running unit of work."""

    def advance(self, n: int = 1) -> None:
        """Mark `n` more steps as done."""


class Reporter(Protocol):
    """Something that displays tasks (the CLI's rich bars)."""

    def start(self, description: str, total: int | None) -> ProgressTask: ...

    def finish(self, task: ProgressTask) -> None: ...


class _SilentTask:
    def advance(self, n: int = 1) -> None:
        pass


_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    """Install (or, with None, remove) the process-wide progress reporter."""
    global _reporter
    _reporter = reporter


@contextmanager
def task(description: str, total: int | None = None) -> Iterator[ProgressTask]:
    """Report progress of one unit of work to the installed reporter, if any."""
    reporter = _reporter
    if reporter is None:
        yield _SilentTask()
        return
    handle = reporter.start(description, total)
    try:
        yield handle
    finally:
        reporter.finish(handle)


@dataclass
class Stopwatch:
    """Wall-clock timer: ``with Stopwatch() as sw: ...; sw.elapsed_s``."""

    started: float = field(default_factory=time.perf_counter)
    stopped: float | None = None

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.stopped = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped = time.perf_counter()

    @property
    def elapsed_s(self) -> float:
        """Seconds since start (or until stop)."""
        end = self.stopped if self.stopped is not None else time.perf_counter()
        return end - self.started
