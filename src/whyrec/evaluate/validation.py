"""Validation data for early stopping and tuning: train histories of validation users, and their truth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import HistoryBatch
from whyrec.evaluate.metrics import hit_matrix, ndcg
from whyrec.evaluate.splits import Split

if TYPE_CHECKING:
    from whyrec.models.base import Recommender

__all__ = ["ValidationSet"]


@dataclass(frozen=True)
class ValidationSet:
    """What a model needs to score itself on the validation part while it trains.

    Attributes:
        histories: train histories of every user with validation items.
        relevant: per user, the validation item indices.
        catalog: candidate items (the train catalog).
        k: list length of the stopping metric (NDCG@k).
    """

    histories: HistoryBatch
    relevant: tuple[np.ndarray, ...]
    catalog: IndexArray
    k: int = 10

    @classmethod
    def from_split(cls, split: Split, k: int = 10, max_users: int | None = None) -> ValidationSet:
        """Validation users of `split` (the first `max_users` by index, to bound the cost per epoch)."""
        users = split.validation.active_users
        if max_users is not None:
            users = users[:max_users]
        relevant = tuple(np.unique(split.validation.sequence(int(u))) for u in users)
        return cls(split.train.histories_of(users), relevant, split.train.active_items, k)

    def ndcg(self, model: Recommender) -> float:
        """Mean NDCG@k of `model` over the validation users (full ranking of the train catalog)."""
        return float(self.ndcg_per_user(model).mean())

    def ndcg_per_user(self, model: Recommender) -> np.ndarray:
        """NDCG@k of `model` for each validation user, in the order of `histories`."""
        recs = model.recommend(self.histories, self.k, exclude_seen=True, candidates=self.catalog)
        hits = hit_matrix(recs.items, self.relevant)
        return np.asarray(ndcg(hits, np.array([len(r) for r in self.relevant]), self.k), dtype=np.float64)
