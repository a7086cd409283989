"""Scoring a user's edited history under the model retrained without those interactions of that user.

A counterfactual "without X it would not be shown" is only true of the system if it holds once the model is
refitted on training data without the user's interactions with X (the ACCENT protocol: Tran, Ghazimatin &
Saha Roy, SIGIR 2021). Re-scoring the edited history with the same weights misses how those interactions
shaped the weights. `whyrec.models.capabilities.RetrainScorer` models answer the retrained question at
request time (this module holds what they share):

- EASE: exactly, by a rank-2 Woodbury update of the inverse Gram matrix (`whyrec.models.ease`).
- ItemKNN: the similarities the edit touches, recomputed (`whyrec.models.itemknn`; exact up to the top-n
  neighbour pruning of the other items' columns).
- ALS: a warm-started refit of the affected factors (`whyrec.models.implicit_mf`; an approximation, measured
  against full refits in docs/benchmarks/explain_retrain.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from whyrec.data.dataset import Dataset
from whyrec.data.history import History

__all__ = ["ALSItemSystems", "training_row", "without_user_items"]


def training_row(training: Dataset, history: History, *, binary: bool = False) -> np.ndarray:
    """(n_items,) float64 the user's summed event weights in `training` (zeros when the user is not in it)."""
    row = np.zeros(training.n_items)
    if history.user_id is None or history.user_id not in training.users:
        return row
    m = training.interactions
    u = training.users.index_of(history.user_id)
    lo, hi = m.indptr[u], m.indptr[u + 1]
    row[m.indices[lo:hi]] = 1.0 if binary else m.data[lo:hi]
    return row


def without_user_items(training: Dataset, user_id: str, items: Iterable[int]) -> Dataset:
    """`training` without the events of `user_id` on `items` (the data a from-scratch refit uses)."""
    user = training.users.index_of(user_id)
    drop = (training.events.user == user) & np.isin(training.events.item, np.fromiter(items, dtype=np.int64))
    return training.subset(~drop, f"{training.name} without {int(drop.sum())} events of user {user_id}")


class ALSItemSystems:
    """ALS's item step on the training users, per item r: (A_r, b_r, A_r^-1 b_r), the normal equations of
    Hu, Koren & Volinsky (2008) with A_r = X^T X + lambda I + X^T (C_r - I) X and b_r = X^T C_r p_r.

    They depend only on the training data and the model, not on the user explained, so each is solved once
    and kept for the next explanations, the least recently used dropped first beyond `budget_bytes`
    (functools.lru_cache, which is thread-safe).

    Args:
        users: (n_users, f) training user vectors.
        user_gram: their Gram matrix X^T X.
        item_users: items x users confidence weights (the training matrix, transposed, CSR).
        alpha: confidence scale.
        regularization: the L2 penalty lambda.
        budget_bytes: memory the kept systems may take.
    """

    def __init__(self, users: np.ndarray, user_gram: np.ndarray, item_users: sp.csr_array, *, alpha: float,
                 regularization: float, budget_bytes: int = 256 * 2**20) -> None:
        self.users, self.item_users, self.alpha = users, item_users, alpha
        f = users.shape[1]
        self.base = user_gram + regularization * np.eye(f)
        self._solved = lru_cache(maxsize=max(16, budget_bytes // ((f * f + 2 * f) * 8)))(self._solve)

    def __call__(self, item: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(A_r, b_r, A_r^-1 b_r) of item `item` (arrays shared with later calls: do not modify them)."""
        solved: tuple[np.ndarray, np.ndarray, np.ndarray] = self._solved(item)
        return solved

    def _solve(self, item: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = self.item_users.indptr[item], self.item_users.indptr[item + 1]
        who, c = self.item_users.indices[lo:hi], self.alpha * self.item_users.data[lo:hi]
        x = self.users[who]
        a = self.base + (x * (c - 1.0)[:, None]).T @ x
        b = x.T @ c
        return a, b, np.linalg.solve(a, b)
