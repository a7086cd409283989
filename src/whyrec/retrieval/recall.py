"""How much of the exact top-k an approximate search finds."""

from __future__ import annotations

import numpy as np

__all__ = ["recall_at_k"]


def recall_at_k(approximate: np.ndarray, exact: np.ndarray, k: int) -> float:
    """Mean share of each exact top-k list found in the approximate top-k (-1 entries are empty slots).

    Args:
        approximate: (n, >= k) int item indices, best first.
        exact: (n, >= k) int item indices, best first.
        k: list length compared.

    Example:
        >>> recall_at_k(np.array([[1, 2, 3]]), np.array([[1, 3, 4]]), 3)
        0.6666666666666666
    """
    found = []
    for got, truth in zip(approximate[:, :k], exact[:, :k], strict=True):
        wanted = truth[truth >= 0]
        if len(wanted):
            found.append(np.isin(wanted, got[got >= 0]).mean())
    return float(np.mean(found)) if found else 1.0
