"""Progress reporting that is silent in library use.

Library code wraps long work in ``with progress.task("ALS epochs", total=n) as t: ... t.advance()``, may say
how it is going with ``t.note("valid NDCG 0.041")`` and announce facts with :func:`message` (the EASE memory
estimate). Nothing is shown until an application (the CLI, a benchmark) installs a reporter with
:func:`set_reporter`, as LensKit's ``set_progress_impl`` does: the CLI's rich bars on a terminal,
:class:`LogReporter` (one line per stage) otherwise, none under ``-q``. Models never print.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["LogReporter", "ProgressTask", "Reporter", "Stopwatch", "message", "reporter", "set_reporter", "task"]


class ProgressTask(Protocol):
    """A running unit of work."""

    def advance(self, n: int = 1) -> None:
        """Mark `n` more steps as done."""

    def note(self, text: str) -> None:
        """Say how the work is going (``valid NDCG 0.0412``, ``100,000 events``); replaces the last note."""


class Reporter(Protocol):
    """Something that displays tasks (the CLI's rich bars, :class:`LogReporter`)."""

    def start(self, description: str, total: int | None) -> ProgressTask: ...

    def finish(self, task: ProgressTask, ok: bool = True) -> None:
        """The task ended (`ok` False: it raised, and the error will say so)."""

    def message(self, text: str) -> None:
        """Show one line of information."""


class _SilentTask:
    def advance(self, n: int = 1) -> None:
        pass

    def note(self, text: str) -> None:
        pass


_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    """Install (or, with None, remove) the process-wide progress reporter."""
    global _reporter
    _reporter = reporter


def reporter() -> Reporter | None:
    """The installed reporter (None: progress is silent)."""
    return _reporter


@contextmanager
def task(description: str, total: int | None = None) -> Iterator[ProgressTask]:
    """Report progress of one unit of work to the installed reporter, if any."""
    current = _reporter
    if current is None:
        yield _SilentTask()
        return
    handle = current.start(description, total)
    ok = False
    try:
        yield handle
        ok = True
    finally:
        current.finish(handle, ok)


def message(text: str) -> None:
    """Show one line of information through the installed reporter (silent without one, or under ``-q``)."""
    if _reporter is not None:
        _reporter.message(text)


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")  # looked up per line: a test runner may swap sys.stderr
    sys.stderr.flush()


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass
class _LogTask:
    description: str
    total: int | None
    write: Callable[[str], None]
    interval_s: float
    done: int = 0
    last_note: str = ""
    started: float = field(default_factory=time.perf_counter)
    last_line: float = field(default_factory=time.perf_counter)

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last_line >= self.interval_s:
            self.last_line = now
            self.write(f"whyrec: {self.description} ... {self._facts()} after {_duration(now - self.started)}")

    def note(self, text: str) -> None:
        self.last_note = text

    def _facts(self) -> str:
        size = f"{self.done:,}/{self.total:,}" if self.total is not None else ""
        return "; ".join(part for part in (size, self.last_note) if part)

    def line(self) -> str:
        facts = self._facts()
        elapsed = _duration(time.perf_counter() - self.started)
        return f"whyrec: {self.description} done in {elapsed}" + (f" ({facts})" if facts else "")


class LogReporter:
    """Plain progress for logs, CI and pipes: one line on stderr per finished stage (name, size, elapsed).

    A stage that runs longer than `interval_s` also writes a line of where it is each `interval_s` (when it
    advances), so a 10-minute fit is never silent.
    """

    def __init__(self, write: Callable[[str], None] = _stderr_line, interval_s: float = 30.0) -> None:
        self.write = write
        self.interval_s = interval_s

    def start(self, description: str, total: int | None) -> ProgressTask:
        return _LogTask(description, total, self.write, self.interval_s)

    def finish(self, task: ProgressTask, ok: bool = True) -> None:
        if ok and isinstance(task, _LogTask):
            self.write(task.line())

    def message(self, text: str) -> None:
        self.write(f"whyrec: {text}")


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
