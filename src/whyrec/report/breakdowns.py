"""What the per-user test metrics saved with each run (``evaluation.parquet``) add to the report: whether a run
differs significantly from the best run of the same split, and its metric per user group (activity tertiles and
the users' categorical attributes). Read from the run's files; no model is loaded."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from whyrec.evaluate.compare import paired_test
from whyrec.evaluate.groups import ACTIVITY, activity_groups
from whyrec.run_data import EVENTS_FILE, USERS_FILE
from whyrec.runs import EVALUATION_FILE, META_FILE

__all__ = ["ALPHA", "MAX_GROUPS", "METRIC", "group_means", "significance"]

logger = logging.getLogger(__name__)

#: Level of the paired Wilcoxon signed-rank test behind a significance mark.
ALPHA = 0.05
#: The metric tested and broken down (per user, from ``evaluation.parquet``).
METRIC = "ndcg@10"
#: A user attribute with more distinct values than this is not broken down (ids, zip codes...).
MAX_GROUPS = 8
_FIT_PARTS = {"train+valid": (0, 1), "train": (0,), "all": (0, 1, 2)}  # the `part` codes of each fitted_on


def _per_user(run: Path) -> pd.DataFrame | None:
    path = run / EVALUATION_FILE
    try:
        return pd.read_parquet(path) if path.is_file() else None
    except (OSError, ValueError) as e:
        logger.warning("skipping %s: %s", path, e)
        return None


def _split_of(run: Path) -> str | None:
    try:
        stored = json.loads((run / META_FILE).read_text(encoding="utf-8")).get("stored") or {}
    except (OSError, ValueError):
        return None
    return stored.get("split_fingerprint")


def significance(runs: list[Path], metric: str = METRIC) -> dict[str, dict[str, Any]]:
    """For each run (by folder name): how it compares with the best run of its split on `metric`.

    The best run (highest mean) gets ``{"best": True}``; every other run with per-user metrics on the same split
    (same split fingerprint) gets the paired Wilcoxon test against it: ``vs``, ``users``, ``p``, ``diff`` (its mean
    minus the best's) and ``significant`` (p < `ALPHA`). Runs without per-user metrics are left out.
    """
    frames = {run.name: (frame, _split_of(run)) for run in runs
              if (frame := _per_user(run)) is not None and metric in frame.columns}
    out: dict[str, dict[str, Any]] = {}
    for split in {s for _, s in frames.values()}:
        same = {name: frame for name, (frame, s) in frames.items() if s == split}
        best = max(same, key=lambda name: float(same[name][metric].mean()))
        out[best] = {"metric": metric, "best": True, "users": len(same[best])}
        for name, frame in same.items():
            if name == best:
                continue
            test = paired_test(same[best], frame, metric)
            p = test.wilcoxon_p
            out[name] = {"metric": metric, "best": False, "vs": best, "users": test.n_users,
                         "p": None if math.isnan(p) else p, "diff": test.mean_difference,
                         "significant": test.significant(ALPHA)}
    return out


def group_means(run: Path, metric: str = METRIC) -> dict[str, dict[str, float]]:
    """`metric`'s mean test value per user group: ``activity`` (low / mid / high history length on the data the
    model was fitted on) and each categorical user attribute with at most `MAX_GROUPS` values."""
    frame = _per_user(run)
    if frame is None or metric not in frame.columns or not (run / EVENTS_FILE).is_file():
        return {}
    try:
        meta = json.loads((run / META_FILE).read_text(encoding="utf-8"))
        events = pq.read_table(run / EVENTS_FILE, columns=["user", "part"]).to_pandas()
        users = pq.read_table(run / USERS_FILE).to_pandas()
    except (OSError, ValueError) as e:
        logger.warning("no group breakdown for %s: %s", run, e)
        return {}
    position = pd.Series(np.arange(len(users)), index=users["user_id"].astype(str))
    values = frame[metric].set_axis(frame.index.astype(str))
    values = values[values.index.isin(position.index)]
    rows = position.loc[values.index].to_numpy(dtype=np.int64)
    fitted = events[events["part"].isin(_FIT_PARTS.get(str(meta.get("fitted_on")), (0, 1)))]
    lengths = np.bincount(fitted["user"].to_numpy(), minlength=len(users))[rows]
    groups = {ACTIVITY: activity_groups(lengths, values.index)}
    for column in users.columns:
        if column == "user_id" or users[column].dtype != object:
            continue
        labels = users[column].map(lambda v: "|".join(v) if v is not None and len(v) else "unknown").to_numpy()
        if len(set(labels)) <= MAX_GROUPS:
            groups[column] = pd.Series(labels[rows], index=values.index, name=column)
    out = {}
    for name, labels in groups.items():
        means = values.groupby(labels).mean()
        if name == ACTIVITY:
            means = means.reindex([g for g in ("low", "mid", "high") if g in means.index])
        out[name] = {str(g): float(m) for g, m in means.items()}
    return out
