"""Beyond-accuracy measures of a set of recommendation lists."""

from __future__ import annotations

import numpy as np

from whyrec.data.catalog import AttributeTable

__all__ = ["average_popularity", "catalog_coverage", "intra_list_diversity", "novelty"]


def catalog_coverage(ranked: np.ndarray, catalog_size: int, k: int) -> float:
    """Distinct items in any top-K list / catalog size.

    Example:
        >>> catalog_coverage(np.array([[0, 1], [1, 2]]), 10, 2)
        0.3
    """
    top = ranked[:, :k]
    return len(np.unique(top[top >= 0])) / max(1, catalog_size)


def average_popularity(ranked: np.ndarray, popularity: np.ndarray, k: int) -> float:
    """Mean, over every recommended item in the top-K lists, of its interaction count in the fit data."""
    top = ranked[:, :k]
    top = top[top >= 0]
    return float(popularity[top].mean()) if len(top) else 0.0


def novelty(ranked: np.ndarray, popularity: np.ndarray, n_users: int, k: int) -> float:
    """Mean self-information -log2(share of users who interacted) of recommended items (higher = less known)."""
    top = ranked[:, :k]
    top = top[top >= 0]
    if not len(top):
        return 0.0
    share = np.clip(popularity[top] / max(1, n_users), 1.0 / max(1, n_users), 1.0)
    return float(-np.log2(share).mean())


def intra_list_diversity(ranked: np.ndarray, attributes: AttributeTable, attribute: str, k: int) -> np.ndarray:
    """Per list: mean pairwise Jaccard distance between the items' values of `attribute`.

    Items without a value count as distance 1 from everything. Returns (n_lists,) float64 (NaN for lists
    with fewer than two items).
    """
    values = attributes.categorical[attribute]
    out = np.full(len(ranked), np.nan)
    for row, items in enumerate(ranked[:, :k]):
        items = items[items >= 0]
        sets = [frozenset(values[i]) for i in items]
        n = len(sets)
        if n < 2:
            continue
        total = 0.0
        for a in range(n):
            for b in range(a + 1, n):
                union = sets[a] | sets[b]
                total += 1.0 - (len(sets[a] & sets[b]) / len(union) if union else 0.0)
        out[row] = total / (n * (n - 1) / 2)
    return out
