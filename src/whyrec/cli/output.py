"""Console output for the CLI: rich tables for people, JSON on stdout for scripts, bars on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from whyrec import progress

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = ["RichReporter", "err", "install_progress", "metrics_table", "out", "print_json"]

out = Console(highlight=False, soft_wrap=True)
_TEXT_COLUMNS = ("run", "model", "metric", "group", "bucket", "title", "item_id", "baseline")
err = Console(stderr=True, highlight=False)


def print_json(payload: object) -> None:
    """Write `payload` as JSON on stdout (plain print: rich would wrap long lines)."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def metrics_table(title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> Table:
    """A table with one row per mapping; floats get four decimals."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column in _TEXT_COLUMNS else "right")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


class _RichTask:
    def __init__(self, bars: Progress, task_id: Any, description: str) -> None:
        self.bars = bars
        self.task_id = task_id
        self.description = description

    def advance(self, n: int = 1) -> None:
        self.bars.advance(self.task_id, n)

    def note(self, text: str) -> None:
        self.bars.update(self.task_id, description=f"{self.description} ({text})")


class RichReporter:
    """Shows library progress tasks as rich bars on stderr (removed when done)."""

    def __init__(self, console: Console = err) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console, transient=True)
        self.running = 0

    def start(self, description: str, total: int | None) -> progress.ProgressTask:
        if self.running == 0:
            self.bars.start()
        self.running += 1
        task = _RichTask(self.bars, self.bars.add_task(description, total=total), description)
        self.bars.refresh()  # drawn at once: a stage shorter than the refresh period is still seen
        return task

    def finish(self, task: progress.ProgressTask, ok: bool = True) -> None:
        self.bars.remove_task(task.task_id)  # type: ignore[attr-defined]
        self.running -= 1
        if self.running == 0:
            self.bars.stop()

    def message(self, text: str) -> None:
        self.bars.console.print(text, markup=False)  # above the bars while they run


def install_progress(quiet: bool) -> None:
    """Progress for this command: none when `quiet`, rich bars on a terminal, else one log line per stage."""
    if quiet:
        progress.set_reporter(None)
    elif err.is_terminal and not err.is_dumb_terminal:  # bars only for people; logs and CI get lines
        progress.set_reporter(RichReporter())
    else:
        progress.set_reporter(progress.LogReporter())
