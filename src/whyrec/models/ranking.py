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
    if k_eff == n_cols:
        part = np.tile(np.arange(n_cols), (n_rows, 1))
    elif n_cols >= _GROUP * 4 * k_eff:
        part = _grouped(scores, k_eff)
    else:
        part = _select(scores, k_eff)
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    items = np.take_along_axis(part, order, axis=1).astype(np.int32)
    top_scores = np.take_along_axis(part_scores, order, axis=1).astype(np.float32)
    items[~np.isfinite(top_scores) & (top_scores < 0)] = -1
    if k_eff < k:
        items = np.pad(items, ((0, 0), (0, k - k_eff)), constant_values=-1)
        top_scores = np.pad(top_scores, ((0, 0), (0, k - k_eff)), constant_values=-np.inf)
    return Recommendations(items, top_scores)


_GROUP = 64
"""Columns per group in `_grouped`."""


def _grouped(scores: FloatArray, k: int) -> np.ndarray:
    """`_select` on a wide matrix, searching only the k column groups with the highest maxima.

    Group c holds the columns c, c + G, c + 2G, ... (strided, so the maxima are one vectorised reduction).
    Every one of the k best items lies in a group whose maximum is at least the k-th highest group maximum
    (k groups reach it, so k items do), so only those groups are searched, and ties at the cut inside them
    are ties of the whole row. Rows where the group maxima tie at the cut, or hold NaN, are searched in full.
    """
    n_rows, n_cols = scores.shape
    n_groups = n_cols // _GROUP
    depth = n_cols // n_groups
    rest = n_cols - depth * n_groups  # < n_groups: column depth * G + c joins group c
    maxima = scores[:, :depth * n_groups].reshape(n_rows, depth, n_groups).max(axis=1)
    if rest:
        maxima[:, :rest] = np.maximum(maxima[:, :rest], scores[:, depth * n_groups:])
    groups = np.sort(np.argpartition(maxima, n_groups - k, axis=1)[:, n_groups - k:], axis=1)
    cut = np.take_along_axis(maxima, groups, axis=1).min(axis=1, keepdims=True)
    full = np.flatnonzero((np.count_nonzero(maxima >= cut, axis=1) > k) | np.isnan(cut[:, 0]))
    # (depth, group) order lists the candidate columns in increasing order: the lowest-index rule still holds
    columns = (groups[:, None, :] + n_groups * np.arange(depth + (rest > 0))[None, :, None]).reshape(n_rows, -1)
    outside = columns >= n_cols
    candidates = np.take_along_axis(scores, np.minimum(columns, n_cols - 1), axis=1)
    candidates[outside] = -np.inf
    part = np.take_along_axis(columns, _select(candidates, k), axis=1)
    if len(full):
        part[full] = _select(scores[full], k)
    return part


def _select(scores: FloatArray, k: int) -> np.ndarray:
    """(n_rows, k) columns of the k best scores per row (ties at the cut: lowest columns; NaN ranks last)."""
    n_cols = scores.shape[1]
    part = np.argpartition(scores, n_cols - k, axis=1)[:, n_cols - k:]
    # NaN sorts above everything, so a row with NaN has it among the picked: rank NaN last there instead
    nan_rows = np.flatnonzero(np.isnan(np.take_along_axis(scores, part, axis=1)).any(axis=1))
    key = scores
    if len(nan_rows):
        key = np.where(np.isnan(scores), -np.inf, scores)
        part[nan_rows] = np.argpartition(key[nan_rows], n_cols - k, axis=1)[:, n_cols - k:]
    kth = np.take_along_axis(key, part, axis=1).min(axis=1, keepdims=True)
    # argpartition picks an arbitrary member of a tie at the k-th place: where more items reach the k-th
    # best score than were picked, keep everything strictly better, then the lowest-index tied items
    over = np.flatnonzero(np.count_nonzero(key >= kth, axis=1) > k)
    if len(over):
        part[over] = _cut_with_ties(key[over], kth[over], k)
    return part


def _cut_with_ties(key: FloatArray, kth: FloatArray, k: int) -> np.ndarray:
    """(n_rows, k) column indices: every score above `kth`, then the lowest-index columns equal to it."""
    better = key > kth
    tied = key == kth
    take = better | (tied & (np.cumsum(tied, axis=1) <= k - better.sum(1, keepdims=True)))
    return np.nonzero(take)[1].reshape(len(key), k)
