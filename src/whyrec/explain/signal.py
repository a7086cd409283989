"""No signal: when a model's scores for a history do not order its top k, the list falls back to popularity.

A model has *no signal* for a history when the best `k` scores among the items it may recommend are all
equal, or spread by at most ``NO_SIGNAL_TOLERANCE`` times the best score's magnitude (at least 1): the top
k is then chosen by tie order (the first item ids of the catalog), not by the model. On sparse data this is
common: an EASE or ItemKNN history whose items share no co-occurrence with anything scores every candidate 0.
Such a list is made by popularity instead, says ``fallback: "popularity"`` and why, and claims no
counterfactual (removing items only moves the tie order).
"""

from __future__ import annotations

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import HistoryBatch
from whyrec.explain.base import excluded_mask
from whyrec.models.base import Recommender

__all__ = ["FALLBACK_POPULARITY", "NO_SIGNAL_TOLERANCE", "NO_SIGNAL_WARN_SHARE", "has_signal", "no_signal_reason",
           "no_signal_share"]

NO_SIGNAL_TOLERANCE = 1e-6
"""Top-k scores spread by at most this times max(1, |best score|) carry no signal."""
NO_SIGNAL_WARN_SHARE = 0.10
"""``whyrec train`` and ``whyrec evaluate`` warn when more than this share of test users has no signal."""
FALLBACK_POPULARITY = "popularity"
"""The `fallback` value of a list made by popularity because the model had no signal."""

_BATCH = 1024


def top_spread(candidate_scores: np.ndarray, k: int) -> float:
    """Best minus k-th best of the finite `candidate_scores` (0 when fewer than two)."""
    finite = np.asarray(candidate_scores, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    m = min(max(k, 2), len(finite))
    if m < 2:
        return 0.0
    top = np.partition(finite, len(finite) - m)[len(finite) - m:]
    return float(top.max() - top.min())


def has_signal(candidate_scores: np.ndarray, k: int) -> bool:
    """Whether the scores of the recommendable items order their top `k` (see the module docstring).

    Args:
        candidate_scores: the model's scores of the items that may be recommended (history items excluded).
        k: the list length.

    Example:
        >>> has_signal(np.zeros(50), 10), has_signal(np.r_[0.3, np.zeros(49)], 10)
        (False, True)
    """
    finite = np.asarray(candidate_scores, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return True  # one candidate or none: there is nothing to order
    return top_spread(finite, k) > NO_SIGNAL_TOLERANCE * max(1.0, float(np.abs(finite).max()))


def no_signal_reason(k: int, lang: str = "en") -> str:
    """Why a list fell back to popularity, in words."""
    if lang == "zh":
        return f"模型对这段记录的前 {k} 个分数完全相同（或几乎相同），无法排序，因此改按热度推荐。"
    return (f"the model's top {k} scores for this history are all equal (spread within {NO_SIGNAL_TOLERANCE:g} of "
            "the best score), so they cannot order a list; it is ranked by popularity instead")


def no_signal_share(model: Recommender, histories: HistoryBatch, *, k: int = 10,
                    candidates: IndexArray | None = None) -> float:
    """Share of `histories` (non-empty ones) for which `model` has no signal over `candidates`."""
    n_items = histories.n_items
    lacking = scored = 0
    for start in range(0, len(histories), _BATCH):
        part = [h for h in histories[start:start + _BATCH] if len(h)]
        if not part:
            continue
        scores = model.score(HistoryBatch.from_histories(part, n_items))
        for history, row in zip(part, scores, strict=True):
            allowed = ~excluded_mask(n_items, history.items, candidates)
            lacking += not has_signal(row[allowed], k)
            scored += 1
    return lacking / scored if scored else 0.0
