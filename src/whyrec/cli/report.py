"""``whyrec report RUNS_DIR --out report.html``: one self-contained HTML file about a folder of runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec.cli.output import out
from whyrec.explain.explanation import Lang
from whyrec.report import collect_runs, report_html

__all__ = ["report"]


def report(
    runs_dir: Annotated[Path, typer.Argument(help="A folder of runs (or one run folder).")],
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path("report.html"),
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report: en or zh (Simplified Chinese).")]
    = Lang.EN,
) -> None:
    """Write one self-contained HTML report of a folder of runs (charts and data embedded, no network)."""
    summary = collect_runs(runs_dir)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(report_html(summary, lang), encoding="utf-8")
    out.print(f"wrote {out_file} ({len(summary.runs)} runs, {out_file.stat().st_size / 1024:.0f} KiB)")
