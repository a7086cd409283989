"""Attribute affinity: the popular products of the brands and categories (any catalog values) a history holds."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from pydantic import NonNegativeFloat

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions
from whyrec.models.edits import LinearEdits

__all__ = ["AttributeAffinity", "AttributeAffinityConfig"]

logger = logging.getLogger(__name__)


class AttributeAffinityConfig(ModelConfig):
    """Attribute-affinity hyperparameters (defaults chosen on synthetic-longtail validation, accuracy.md)."""

    popularity_weight: NonNegativeFloat = 0.05
    """Weight of plain popularity beside the catalog values: the share of choices a shopper makes outside
    the values of their history."""
    smoothing: NonNegativeFloat = 1.0
    """Added to every active item's count of users before it is shared out within a value, so that an item
    bought once still stands above one never bought."""
    use_weights: bool = False
    """Count a history item by its event weight (ratings, purchase > view) instead of 1."""


class AttributeAffinity(BaseRecommender[AttributeAffinityConfig]):
    """Scores item i by how often the history holds each catalog value of i, times i's share of that value.

    With p_i the (smoothed) popularity of active item i, P(i | v) = p_i / sum of p over the items with value
    v, and x the history row: score_i = sum_h x_h (sum_{v of h and i} P(i | v) + b p_i / sum p) + b p_i /
    sum p (b: `popularity_weight`). So a shopper whose history is mostly one brand gets that brand's best
    sellers first, and a long-tail product ranks by what its brand and category share with the history, not
    by how few shoppers have bought it yet. Categorical values held by fewer than two active items are left
    out; without any, the model is most-popular. Every catalog attribute counts (brand, category,
    price_band, multi-valued genres...), each value on its own.

    The score is linear in the history row, so its explanations are exact: a history item adds its term,
    the values it shares with the recommended item. This is the mixture of within-value popularities the
    ``synthetic`` generators plant (docs/benchmarks/accuracy.md says so beside its numbers), and the
    "more from the brands you buy" rule shops hand-write; collaborative models (``ease`` with
    ``attribute_weight``, ``hybrid``) learn what it cannot: which products go together across values.
    """

    name = "affinity"
    config_class = AttributeAffinityConfig

    def _fit(self, dataset: Dataset) -> None:
        active = dataset.item_user_counts > 0
        self.values_ = sp.csr_array(dataset.catalog.attributes.indicators(among=active), dtype=np.float32)
        popularity = np.where(active, dataset.item_user_counts + self.config.smoothing, 0.0)
        self._derive(popularity)
        logger.info("fitted attribute affinity on %d items, %d catalog values", dataset.n_items,
                    self.values_.shape[1])

    def _derive(self, popularity: np.ndarray) -> None:
        """Within-value shares and the popularity prior from (n_items,) smoothed popularity."""
        self.popularity_: np.ndarray = np.asarray(popularity, dtype=np.float64)
        totals = self.values_.T @ self.popularity_  # (n_values,)
        share = sp.csr_array(self.values_.multiply(self.popularity_[:, None]))
        self.shares_ = sp.csr_array(share @ sp.diags_array(1.0 / np.maximum(totals, 1e-12)), dtype=np.float32)
        self.prior_: np.ndarray = self.config.popularity_weight * self.popularity_ / max(self.popularity_.sum(), 1e-12)

    def history_matrix(self, histories: HistoryBatch) -> sp.csr_array:
        """The (n_histories, n_items) input the scores are linear in."""
        return histories.matrix if self.config.use_weights else histories.binary

    def _rows(self, items: np.ndarray) -> np.ndarray:
        """(len(items), n_items) rows of the item-item matrix: shared-value shares plus the prior."""
        shared = np.asarray((self.values_[items] @ self.shares_.T).toarray(), dtype=np.float64)
        return np.asarray(shared + self.prior_[None, :], dtype=np.float64)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        x = sp.csr_array(self.history_matrix(histories), dtype=np.float32)
        shared = np.asarray(((x @ self.values_) @ self.shares_.T).toarray(), dtype=np.float32)
        totals = np.asarray(x.sum(axis=1), dtype=np.float32).ravel()
        return np.asarray(shared + (totals + 1.0)[:, None] * self.prior_[None, :], dtype=np.float32)

    def history_weights(self, history: History) -> np.ndarray:
        """(n_items,) float64 input of one history (the row its scores are linear in)."""
        return history.row(len(self.popularity_), weighted=self.config.use_weights)

    def contributions(self, history: History, items: IndexArray) -> Contributions:
        """Exact: history item h adds x_h times its row's entry at item i; the prior once is the baseline."""
        weight = self.history_weights(history)
        hist = np.unique(history.items).astype(np.int32)
        per = (self._rows(hist)[:, items] * weight[hist][:, None]).T
        return Contributions(hist, per, self.prior_[items].astype(np.float64))

    def edits_of(self, history: History, *, scores: FloatArray | None = None) -> LinearEdits:
        """Scores without sets of history items: the full score minus the removed items' rows (linear)."""
        weight = self.history_weights(history)
        if scores is None:
            hist = np.unique(history.items)
            scores = weight[hist] @ self._rows(hist) + self.prior_
        return LinearEdits(weight, scores, lambda idx: self._rows(np.asarray(idx, dtype=np.int64)))

    def state(self) -> dict[str, np.ndarray]:
        return {"values_indptr": self.values_.indptr, "values_indices": self.values_.indices,
                "n_values": np.asarray(self.values_.shape[1], dtype=np.int64), "popularity": self.popularity_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        indptr = np.asarray(state["values_indptr"])
        indices = np.asarray(state["values_indices"])
        shape = (len(indptr) - 1, int(state["n_values"]))
        self.values_ = sp.csr_array((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=shape)
        self._derive(np.asarray(state["popularity"], dtype=np.float64))
