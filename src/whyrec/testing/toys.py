"""Toy data with known answers, and a linear model whose contributions can be worked out by hand.

The block data is implicit's checkerboard idea at recommender scale: two taste groups that share no item, so
any model that learns something collaborative must keep a history's recommendations inside its group.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from whyrec._types import FloatArray, IndexArray
from whyrec.data import Dataset, History, HistoryBatch, build_dataset
from whyrec.models import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions

__all__ = ["LinearToyConfig", "LinearToyModel", "block_catalog", "block_events", "blocks", "blocks_with_catalog",
           "history_batch"]


def block_events(n_users: int = 40, n_items: int = 20, per_user: int = 6, seed: int = 0) -> pd.DataFrame:
    """Two taste groups: even users interact with items 0..9, odd users with items 10..19.

    A model that learns anything collaborative must rank the rest of a group's items above the other
    group's items for a history drawn from one group.
    """
    rng = np.random.default_rng(seed)
    rows = []
    half = n_items // 2
    for user in range(n_users):
        base = 0 if user % 2 == 0 else half
        items = rng.choice(np.arange(base, base + half), size=per_user, replace=False)
        for t, item in enumerate(items):
            rows.append((f"u{user}", str(item), 1_700_000_000 + 60 * (user * per_user + t)))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    frame["event"] = "interaction"
    frame["value"] = np.nan
    frame["weight"] = np.float32(1.0)
    return frame


def blocks() -> Dataset:
    """40 users ("u0".."u39") x 20 items ("0".."19") in two taste groups (see `block_events`)."""
    return build_dataset(block_events(), name="blocks")


def block_catalog(n_items: int = 20) -> pd.DataFrame:
    """A catalog for the block data: ``category`` names an item's taste group ("A" for the first half, "B"
    for the rest), ``brand`` cuts across the groups (item i has brand i mod 3), so only the category helps."""
    half = n_items // 2
    return pd.DataFrame({"item_id": [str(i) for i in range(n_items)],
                         "title": [f"Item {i}" for i in range(n_items)],
                         "category": ["A" if i < half else "B" for i in range(n_items)],
                         "brand": [f"brand{i % 3}" for i in range(n_items)]})


def blocks_with_catalog() -> Dataset:
    """The block data (`blocks`) with `block_catalog` as its catalog."""
    return build_dataset(block_events(), name="blocks", catalog=block_catalog())


def history_batch(dataset: Dataset, item_ids: list[str]) -> HistoryBatch:
    """A batch of one new shopper's history (``user_id`` None) made of `item_ids`, oldest first."""
    return HistoryBatch.from_histories([dataset.history_from_items(item_ids)], dataset.n_items)


class LinearToyConfig(ModelConfig):
    """Hyperparameters of `LinearToyModel`."""

    baseline_weight: float = 0.5
    """Scale of the popularity part of every score (the part no history item carries)."""


class LinearToyModel(BaseRecommender[LinearToyConfig]):
    """A co-occurrence model that is additive by construction, for checking explainers.

    ``score(h)[i] = baseline_weight * pop[i] + sum_j h[j] * together[j, i]``, where ``h[j]`` is the summed
    weight of item j in the history, ``together[j, i]`` the share of training users who interacted with
    both j and i (0 on the diagonal) and ``pop[i]`` the share who interacted with i. Item j's contribution
    to item i is its term ``h[j] * together[j, i]`` (also what removing j does) and the baseline is the
    popularity part, so an exact explainer must return exactly these numbers.
    """

    name = "linear-toy"
    config_class = LinearToyConfig

    def _fit(self, dataset: Dataset) -> None:
        seen = (dataset.interactions > 0).astype(np.float64)
        together = (seen.T @ seen).toarray() / max(1, dataset.n_users)
        np.fill_diagonal(together, 0.0)
        self.together_ = together
        self.popularity_ = dataset.item_user_counts / max(1, dataset.n_users)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        return np.asarray(histories.matrix @ self.together_ + self.config.baseline_weight * self.popularity_)

    def contributions(self, history: History, items: IndexArray) -> Contributions:
        """Each distinct history item's term for each of `items`; the baseline is the popularity part."""
        distinct, where = np.unique(history.items, return_inverse=True)
        weight = np.bincount(where, weights=history.weights, minlength=len(distinct))
        items = np.asarray(items, dtype=np.int64)
        per_history = self.together_[np.ix_(distinct, items)].T * weight[None, :]
        baseline = self.config.baseline_weight * self.popularity_[items]
        return Contributions(distinct.astype(np.int32), per_history, baseline)

    def state(self) -> dict[str, np.ndarray]:
        return {"together": self.together_, "popularity": self.popularity_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.together_ = np.asarray(state["together"], dtype=np.float64)
        self.popularity_ = np.asarray(state["popularity"], dtype=np.float64)
