"""Ranking metrics as vectorised functions of a hit matrix.

Every metric takes ``hits`` (n_users, K) bool, where ``hits[u, p]`` says that the item at position
``p + 1`` of user u's list is relevant, ``n_relevant`` (n_users,) the size of each user's relevant set
(all of it, also items no system could recommend), and ``k``. It returns (n_users,) float64 values.
One user is the case n_users = 1. Definitions follow ../shared/PROTOCOL.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_METRICS",
    "METRICS",
    "Metric",
    "hit_matrix",
    "hit_rate",
    "mean_average_precision",
    "mrr",
    "ndcg",
    "precision",
    "recall",
    "standard_error",
]

BoolMatrix = npt.NDArray[np.bool_]
Values = npt.NDArray[np.float64]


def _discounts(k: int) -> Values:
    return 1.0 / np.log2(np.arange(2, k + 2))


def recall(hits: BoolMatrix, n_relevant: np.ndarray, k: int) -> Values:
    """hits@K / |T|.

    Example:
        >>> recall(np.array([[True, False, True]]), np.array([4]), 3)
        array([0.5])
    """
    values: Values = hits[:, :k].sum(1) / np.maximum(n_relevant, 1)
    return values


def precision(hits: BoolMatrix, n_relevant: np.ndarray, k: int) -> Values:
    """hits@K / K."""
    values: Values = hits[:, :k].sum(1) / k
    return values


def hit_rate(hits: BoolMatrix, n_relevant: np.ndarray, k: int) -> Values:
    """1 if any of the first K is relevant."""
    return np.asarray(hits[:, :k].any(1), dtype=np.float64)


def ndcg(hits: BoolMatrix, n_relevant: np.ndarray, k: int) -> Values:
    """DCG@K / IDCG@K with binary gains, IDCG over min(|T|, K) positions.

    Example:
        >>> round(float(ndcg(np.array([[False, True]]), np.array([1]), 2)[0]), 4)
        0.6309
    """
    disc = _discounts(k)
    dcg = (hits[:, :k] * disc[: hits[:, :k].shape[1]]).sum(1)
    ideal = np.concatenate([[0.0], np.cumsum(disc)])
    idcg = ideal[np.minimum(n_relevant, k)]
    values: Values = np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0)
    return values


def mrr(hits: BoolMatrix, n_relevant: np.ndarray, k: int) -> Values:
    """1 / position of the first relevant item within K, else 0."""
    top = hits[:, :k]
    first = top.argmax(1)
    return np.where(top.any(1), 1.0 / (first + 1), 0.0)


def mean_average_precision(hits: BoolMatrix, n_relevant: np.ndarray, k: int) -> Values:
    """AP@K = sum over hit positions p <= K of precision@p, divided by min(|T|, K)."""
    top = hits[:, :k].astype(np.float64)
    precision_at = np.cumsum(top, 1) / np.arange(1, top.shape[1] + 1)
    denom = np.minimum(n_relevant, k).astype(np.float64)
    values: Values = np.divide((precision_at * top).sum(1), denom, out=np.zeros(len(top)), where=denom > 0)
    return values


@dataclass(frozen=True)
class Metric:
    """A named ranking metric; columns are named ``{name}@{k}``."""

    name: str
    fn: Callable[[BoolMatrix, np.ndarray, int], Values]
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("recall", recall),
        Metric("ndcg", ndcg),
        Metric("hr", hit_rate),
        Metric("precision", precision),
        Metric("mrr", mrr),
        Metric("map", mean_average_precision),
    )
}
DEFAULT_METRICS: tuple[Metric, ...] = tuple(METRICS.values())


def hit_matrix(ranked: np.ndarray, relevant: Sequence[np.ndarray]) -> BoolMatrix:
    """(n_users, K) bool: whether each ranked item is in that user's relevant set.

    Args:
        ranked: (n_users, K) item indices, best first (-1 = empty slot).
        relevant: per user, the relevant item indices.
    """
    lengths = np.array([len(r) for r in relevant], dtype=np.int64)
    if len(lengths) != len(ranked):
        raise ValueError(f"hit_matrix: {len(ranked)} ranked lists but {len(relevant)} relevant sets")
    # one sorted key per (user, relevant item): membership of every ranked slot is one binary search
    rows = np.repeat(np.arange(len(ranked), dtype=np.int64), lengths)
    width = int(max(ranked.max(initial=-1), max((int(r.max()) for r in relevant if len(r)), default=-1))) + 2
    truth = np.unique(rows * width + (np.concatenate(relevant).astype(np.int64) if len(rows) else rows) + 1)
    keys = np.arange(len(ranked), dtype=np.int64)[:, None] * width + ranked.astype(np.int64) + 1
    at = np.minimum(np.searchsorted(truth, keys), max(len(truth) - 1, 0))
    hits: BoolMatrix = (truth[at] == keys) & (ranked >= 0) if len(truth) else np.zeros(ranked.shape, dtype=bool)
    return hits


def standard_error(values: npt.ArrayLike) -> float | None:
    """Standard error of the mean of per-user `values` (sample standard deviation / sqrt(n)); None below two.

    Example:
        >>> round(standard_error([0.0, 1.0, 0.0, 1.0]), 4)
        0.2887
    """
    x = np.asarray(values, dtype=np.float64)
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else None
