"""``whyrec calibrate``: fit a run's confidence calibrator on validation and report its ECE on test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec import progress
from whyrec.cli.common import JsonOpt, MemoryBudgetOpt, check_memory
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.evaluate.calibration import calibrate, save_calibration
from whyrec.runs import load_run


def calibrate_run(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    k: Annotated[int, typer.Option("--k", min=1, help="List length ECE is measured on.")] = 10,
    json_output: JsonOpt = False,
    memory_budget: MemoryBudgetOpt = None,
) -> None:
    """Fit confidence = P(relevant | rank, history size) on validation (model refitted on train); print test ECE.

    The calibrator is stored as calibration.json in the run directory; `whyrec explain` then shows it. The
    refit is checked like `whyrec train`'s fit: EASE prints its estimate and is refused above --memory-budget.
    """
    run = load_run(run_dir)
    check_memory(run.model, run.split.dataset.n_items, memory_budget)
    with progress.task(f"Calibrating {run.meta.model}"):
        calibration = calibrate(run.model, run.split, k=k, run_created=run.meta.created)
    path = save_calibration(run_dir, calibration)
    if json_output:
        print_json({"run": str(run_dir), "model": run.meta.model, "protocol": run.split.protocol,
                    "file": str(path), **calibration.model_dump(mode="json")})
        return
    strata = len(calibration.calibrator.curves)
    out.print(f"[bold]{run.meta.model}[/bold]: confidence calibrated on validation (isotonic on rank in {strata} "
              f"history-size strata, model refitted on train); ECE@{k} on test = {calibration.ece_test:.4f} "
              f"({calibration.ece_bins} bins; validation {calibration.ece_validation:.4f})")
    rows = [{"bin": f"{b.lower:.1f}-{b.upper:.1f}", "pairs": b.count, "confidence": b.confidence,
             "relevant": b.accuracy} for b in calibration.reliability_test if b.count]
    out.print(metrics_table("reliability on test", rows, ["bin", "pairs", "confidence", "relevant"]))
    out.print(f"wrote {path}")
