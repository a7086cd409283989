"""Paired comparison of models on the same users (Wilcoxon signed-rank and paired t-test)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from whyrec.errors import ConfigError

__all__ = ["PairedTest", "paired_test"]


@dataclass(frozen=True)
class PairedTest:
    """Per-user comparison of a candidate against a baseline on one metric.

    Attributes:
        metric: the column compared (``ndcg@10``).
        n_users: users present in both runs.
        mean_baseline: the baseline's mean.
        mean_candidate: the candidate's mean.
        mean_difference: candidate - baseline.
        wilcoxon_p: two-sided Wilcoxon signed-rank p-value (NaN when every difference is zero).
        ttest_p: two-sided paired t-test p-value (NaN when the differences have no variance).
    """

    metric: str
    n_users: int
    mean_baseline: float
    mean_candidate: float
    mean_difference: float
    wilcoxon_p: float
    ttest_p: float

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether the Wilcoxon test rejects equality at level `alpha`."""
        return not math.isnan(self.wilcoxon_p) and self.wilcoxon_p < alpha


def paired_test(baseline: pd.DataFrame, candidate: pd.DataFrame, metric: str) -> PairedTest:
    """Compare two per-user metric frames (index ``user_id``) on their common users.

    Raises:
        ConfigError: `metric` is not a column of both frames, or the runs share no user.
    """
    for frame in (baseline, candidate):
        if metric not in frame.columns:
            raise ConfigError(f"metric {metric!r} is not available; valid metrics: {', '.join(frame.columns)}.",
                              field="metric", allowed=tuple(frame.columns))
    common = baseline.index.intersection(candidate.index)
    if len(common) == 0:
        raise ConfigError("the runs have no evaluated user in common; compare runs made on the same data and split.")
    a = baseline.loc[common, metric].to_numpy(dtype=np.float64)
    b = candidate.loc[common, metric].to_numpy(dtype=np.float64)
    diff = b - a
    wilcoxon_p = float("nan")
    if np.any(diff != 0):
        wilcoxon_p = float(stats.wilcoxon(b, a, zero_method="wilcox").pvalue)
    ttest_p = float("nan")
    if np.std(diff) > 0:
        ttest_p = float(stats.ttest_rel(b, a).pvalue)
    return PairedTest(metric, len(common), float(a.mean()), float(b.mean()), float(diff.mean()), wilcoxon_p, ttest_p)
