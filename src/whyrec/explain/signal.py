"""No signal: when a model's scores for a history do not order its top k, the list falls back to popularity.

A model has *no signal* for a history when the best `k` scores among the items it may recommend are all
equal, or spread by at most ``NO_SIGNAL_TOLERANCE`` times the best score's magnitude (at least 1; the spread is
the best score minus the k-th best, over at least two): the top
k is then chosen by tie order (the first item ids of the catalog), not by the model. On sparse data this is
common: an EASE or ItemKNN history whose items share no co-occurrence with anything scores every candidate 0.
Such a list is made by popularity instead, says ``fallback: "popularity"`` and why, and claims no
counterfactual (removing items only moves the tie order).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import HistoryBatch
from whyrec.explain.base import excluded_mask
from whyrec.models.base import Recommender

__all__ = ["FALLBACK_POPULARITY", "NO_SIGNAL_TOLERANCE", "NO_SIGNAL_WARN_SHARE", "has_signal", "no_signal_reason",
           "no_signal_share", "no_signal_share_of_lists", "no_signal_warning", "ordered", "top_scores"]

NO_SIGNAL_TOLERANCE = 1e-6
"""Top-k scores spread by at most this times max(1, |best score|) carry no signal."""
NO_SIGNAL_WARN_SHARE = 0.10
"""``whyrec train`` and ``whyrec evaluate`` warn when more than this share of test users has no signal."""
FALLBACK_POPULARITY: Final = "popularity"
"""The `fallback` value of a list made by popularity because the model had no signal."""

_BATCH = 1024


def top_scores(candidate_scores: np.ndarray, k: int) -> np.ndarray:
    """The best max(k, 2) finite scores of `candidate_scores` (unordered)."""
    finite = np.asarray(candidate_scores, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    m = min(max(k, 2), len(finite))
    return np.partition(finite, len(finite) - m)[len(finite) - m:] if m else finite


def ordered(top: np.ndarray) -> bool:
    """Whether a list's top scores differ by more than the tolerance (fewer than two finite scores: True)."""
    top = np.asarray(top, dtype=np.float64)
    top = top[np.isfinite(top)]
    if len(top) < 2:
        return True  # one candidate or none: there is nothing to order
    best = float(top.max())
    return best - float(top.min()) > NO_SIGNAL_TOLERANCE * max(1.0, abs(best))


def has_signal(candidate_scores: np.ndarray, k: int) -> bool:
    """Whether the scores of the recommendable items order their top `k` (see the module docstring).

    Args:
        candidate_scores: the model's scores of the items that may be recommended (history items excluded).
        k: the list length.

    Example:
        >>> has_signal(np.zeros(50), 10), has_signal(np.r_[0.3, np.zeros(49)], 10)
        (False, True)
    """
    return ordered(top_scores(candidate_scores, k))


def no_signal_share_of_lists(list_scores: np.ndarray) -> float:
    """Share of lists (rows of top-k scores, -inf for empty slots) whose scores are not ordered."""
    rows = np.asarray(list_scores)
    return float(np.mean([not ordered(row) for row in rows])) if len(rows) else 0.0


def no_signal_reason(k: int, lang: str = "en") -> str:
    """Why a list fell back to popularity, in words."""
    if lang == "zh":
        return f"模型对这段记录的前 {k} 个分数完全相同（或几乎相同），无法排序，因此改按热度推荐。"
    return (f"the model's top {k} scores for this history are all equal (spread within {NO_SIGNAL_TOLERANCE:g} of "
            "the best score), so they cannot order a list; it is ranked by popularity instead")


def no_signal_share(model: Recommender, histories: HistoryBatch, *, k: int = 10,
                    candidates: IndexArray | None = None) -> float:
    """Share of the non-empty `histories` for which `model` has no signal over `candidates`."""
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


def no_signal_warning(share: float, users: str = "test users") -> str | None:
    """The warning ``whyrec train`` and ``evaluate`` print when `share` exceeds `NO_SIGNAL_WARN_SHARE`."""
    if share <= NO_SIGNAL_WARN_SHARE:
        return None
    return (f"warning: the model has no signal for {share:.0%} of {users} (their top-k scores are all equal); "
            "their lists fall back to popularity in `whyrec explain` and the API. The data may be too sparse "
            "for this model.")
