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

__all__ = ["RichReporter", "err", "metrics_table", "out", "print_json"]

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
    def __init__(self, bars: Progress, task_id: Any) -> None:
        self.bars = bars
        self.task_id = task_id

    def advance(self, n: int = 1) -> None:
        self.bars.advance(self.task_id, n)


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
        return _RichTask(self.bars, self.bars.add_task(description, total=total))

    def finish(self, task: progress.ProgressTask) -> None:
        self.bars.remove_task(task.task_id)  # type: ignore[attr-defined]
        self.running -= 1
        if self.running == 0:
            self.bars.stop()
