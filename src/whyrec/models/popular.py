"""Most-popular baseline: the same list for every history."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig

__all__ = ["MostPopular", "MostPopularConfig"]


class MostPopularConfig(ModelConfig):
    """MostPopular has no hyperparameters."""


class MostPopular(BaseRecommender[MostPopularConfig]):
    """Scores each item by the number of distinct users who interacted with it."""

    name = "pop"
    config_class = MostPopularConfig

    def _fit(self, dataset: Dataset) -> None:
        self.item_counts_ = dataset.item_user_counts.astype(np.float32)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        return np.broadcast_to(self.item_counts_, (len(histories), len(self.item_counts_))).copy()

    def state(self) -> dict[str, np.ndarray]:
        return {"item_counts": self.item_counts_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.item_counts_ = np.asarray(state["item_counts"], dtype=np.float32)
