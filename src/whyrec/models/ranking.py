"""Ranking scores into top-k lists: the Recommendations type and the one tie rule (lower item index first)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from whyrec._types import FloatArray, IndexArray

__all__ = ["Recommendations", "top_k"]


@dataclass(frozen=True)
class Recommendations:
    """Top-k lists.

    Attributes:
        items: (n_histories, k) int32 item indices, best first; -1 where fewer than k items could be ranked.
        scores: (n_histories, k) float32 scores (-inf in empty slots).
    """

    items: IndexArray
    scores: FloatArray


def top_k(scores: FloatArray, k: int) -> Recommendations:
    """The k best columns per row, ties broken by lower item index; -inf entries are never returned.

    Example:
        >>> top_k(np.array([[0.1, 0.5, 0.5, -np.inf]], dtype=np.float32), 4).items
        array([[ 1,  2,  0, -1]], dtype=int32)
    """
    n_rows, n_cols = scores.shape
    k_eff = min(k, n_cols)
    if k_eff < n_cols:
        # argpartition picks an arbitrary member of a tie at the k-th place: keep everything strictly
        # better than the k-th best score, then the lowest-index items tied with it (NaN ranks last).
        key = np.where(np.isnan(scores), -np.inf, scores)
        kth = -np.partition(-key, k_eff - 1, axis=1)[:, k_eff - 1:k_eff]
        better = key > kth
        tied = key == kth
        take = better | tied
        over = np.flatnonzero(take.sum(1) > k_eff)  # rows whose ties spill past k: keep the first ones
        if len(over):
            t, b = tied[over], better[over]
            take[over] = b | (t & (np.cumsum(t, axis=1) <= k_eff - b.sum(1, keepdims=True)))
        part = np.nonzero(take)[1].reshape(n_rows, k_eff)
    else:
        part = np.tile(np.arange(n_cols), (n_rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    items = np.take_along_axis(part, order, axis=1).astype(np.int32)
    top_scores = np.take_along_axis(part_scores, order, axis=1).astype(np.float32)
    items[~np.isfinite(top_scores) & (top_scores < 0)] = -1
    if k_eff < k:
        items = np.pad(items, ((0, 0), (0, k - k_eff)), constant_values=-1)
        top_scores = np.pad(top_scores, ((0, 0), (0, k - k_eff)), constant_values=-np.inf)
    return Recommendations(items, top_scores)
