"""Read what a folder of runs holds: each run's metadata (``meta.json``: test metrics, timings), its calibration
(``calibration.json``, ``whyrec calibrate``) and its explanation evaluation (``explain_eval.json``, ``whyrec
explain-eval --out RUN/explain-eval``), without loading any model."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whyrec.errors import ConfigError
from whyrec.report.breakdowns import group_means, significance
from whyrec.runs import META_FILE

__all__ = ["RunSummary", "RunsSummary", "collect_runs"]

logger = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"  # whyrec.evaluate.calibration.CALIBRATION_FILE, without importing sklearn
EXPLAIN_EVAL_FILE = "explain_eval.json"


@dataclass
class RunSummary:
    """One run, as its files describe it.

    Attributes:
        name: the run folder's name.
        model: the model's registry name.
        created: when it was trained (ISO 8601).
        protocol: the split protocol's name.
        fit_seconds: training time.
        split_sizes: events per part of the split.
        metrics: test metrics (``ndcg@10``, ``coverage@20``, ...).
        calibration: the reliability bins, ECE and horizon (None when not calibrated).
        explain_eval: per-method rows of the explanation evaluation (None when not evaluated).
        significance: how it compares with the best run of its split (`whyrec.report.breakdowns.significance`;
            None without per-user test metrics).
        groups: mean ``ndcg@10`` per user group, by grouping (`whyrec.report.breakdowns.group_means`).
    """

    name: str
    model: str
    created: str
    protocol: str
    fit_seconds: float
    split_sizes: dict[str, int]
    metrics: dict[str, float]
    calibration: dict[str, Any] | None = None
    explain_eval: dict[str, Any] | None = None
    significance: dict[str, Any] | None = None
    groups: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class RunsSummary:
    """Every run of a folder, newest last."""

    folder: str
    runs: list[RunSummary] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (embedded in the report)."""
        return asdict(self)

    def metric_names(self) -> list[str]:
        """Metric names (without ``@K``) that some run reports, in their first order."""
        names: dict[str, None] = {}
        for run in self.runs:
            for key in run.metrics:
                names.setdefault(key.split("@", 1)[0], None)
        return list(names)

    def cutoffs(self) -> list[int]:
        """The K of every ``metric@K``, ascending."""
        return sorted({int(key.split("@", 1)[1]) for run in self.runs for key in run.metrics
                       if "@" in key and key.split("@", 1)[1].isdigit()})


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        logger.warning("skipping %s: %s", path, e)
        return None
    return data if isinstance(data, dict) else None


def _run_folders(folder: Path) -> list[Path]:
    if (folder / META_FILE).is_file():
        return [folder]
    return sorted(p for p in folder.iterdir() if (p / META_FILE).is_file())


def _explain_eval(run: Path) -> dict[str, Any] | None:
    found = sorted(run.glob(f"*/{EXPLAIN_EVAL_FILE}")) + sorted(run.glob(EXPLAIN_EVAL_FILE))
    return _read_json(found[0]) if found else None


def _calibration(path: Path) -> dict[str, Any] | None:
    data = _read_json(path)
    if data is None:
        return None
    keep = ("horizon", "k", "ece_test", "ece_validation", "reliability_test", "mean_confidence_test", "hit_rate_test",
            "method", "run_created")
    return {k: data[k] for k in keep if k in data}


def collect_runs(folder: str | Path) -> RunsSummary:
    """The runs in `folder` (a run folder itself, or a folder of runs), oldest first.

    Raises:
        ConfigError: `folder` does not exist, or holds no run (no ``meta.json``).
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"{root}: not a folder; give a run folder or a folder of runs (`whyrec train --out "
                          "runs/NAME` makes one).", source=str(root), field="runs")
    runs = []
    folders = _run_folders(root)
    marks = significance(folders)
    for path in folders:
        meta = _read_json(path / META_FILE)
        if meta is None:
            continue
        calibration = _calibration(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else None
        runs.append(RunSummary(name=path.name, model=str(meta.get("model", "?")), created=str(meta.get("created", "")),
                               protocol=str(meta.get("protocol", "")), fit_seconds=float(meta.get("fit_seconds", 0.0)),
                               split_sizes={str(k): int(v) for k, v in (meta.get("split_sizes") or {}).items()},
                               metrics={str(k): float(v) for k, v in (meta.get("metrics") or {}).items()},
                               calibration=calibration, explain_eval=_explain_eval(path),
                               significance=marks.get(path.name), groups=group_means(path)))
    if not runs:
        raise ConfigError(f"{root}: no run here (no {META_FILE} in it or in its sub-folders); train one with "
                          "`whyrec train --out runs/NAME`.", source=str(root), field="runs")
    runs.sort(key=lambda r: (r.created, r.name))
    return RunsSummary(folder=str(root), runs=runs)
