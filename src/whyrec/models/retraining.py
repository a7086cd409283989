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

import numpy as np

from whyrec.data.dataset import Dataset
from whyrec.data.history import History

__all__ = ["training_row", "without_user_items"]


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
