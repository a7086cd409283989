"""EASE: embarrassingly shallow autoencoder (Steck, 2019), closed form."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
from pydantic import Field, PositiveFloat

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.errors import ConfigError
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions
from whyrec.models.edits import LinearEdits

__all__ = ["EASE", "EASEConfig"]

logger = logging.getLogger(__name__)
_MAX_ITEMS = 40_000


class EASEConfig(ModelConfig):
    """EASE hyperparameters (defaults tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    regularization: PositiveFloat = Field(default=2000.0, alias="lambda")
    """L2 penalty on the item-item weights (the paper's lambda)."""
    use_weights: bool = True
    """Use event weights (ratings, purchase > view) instead of 1 per item."""


class EASE(BaseRecommender[EASEConfig]):
    """Item-item linear model with a zero diagonal: score = history @ B.

    B = I - P / diag(P) with P = (X^T X + lambda I)^-1 (Steck, "Embarrassingly Shallow Autoencoders for Sparse
    Data", WWW 2019). Scores are linear in the history, so explanations are exact.
    """

    name = "ease"
    config_class = EASEConfig

    def _fit(self, dataset: Dataset) -> None:
        if dataset.n_items > _MAX_ITEMS:
            raise ConfigError(f"EASE needs a dense {dataset.n_items:,} x {dataset.n_items:,} matrix; over "
                              f"{_MAX_ITEMS:,} items it does not fit in memory. Use itemknn or als.")
        x = dataset.interactions.copy()
        if not self.config.use_weights:
            x.data[:] = 1.0
        gram = (x.T @ x).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.config.regularization
        precision = np.linalg.inv(gram)
        weights = -precision / np.diag(precision)
        np.fill_diagonal(weights, 0.0)
        self.weights_ = weights.astype(np.float32)
        logger.info("fitted EASE on %d items", dataset.n_items)

    def history_matrix(self, histories: HistoryBatch):  # type: ignore[no-untyped-def]
        """The (n_histories, n_items) input the scores are linear in."""
        return histories.matrix if self.config.use_weights else histories.binary

    def _score(self, histories: HistoryBatch) -> FloatArray:
        return np.asarray(self.history_matrix(histories) @ self.weights_)

    def history_weights(self, history: History) -> np.ndarray:
        """(n_items,) float64 input of one history (the row its scores are linear in), built directly.

        Explanations need it per request; a dense bincount is several times cheaper than a sparse row.
        """
        n_items = self.weights_.shape[0]
        if self.config.use_weights:
            return np.bincount(history.items, weights=history.weights, minlength=n_items)
        return (np.bincount(history.items, minlength=n_items) > 0).astype(np.float64)

    def contributions(self, history: History, items: IndexArray) -> Contributions:
        """Exact: item j of the history adds w_j * B[j, i] to the score of item i."""
        weight = self.history_weights(history)
        hist = np.unique(history.items).astype(np.int32)
        per = (self.weights_[np.ix_(hist, items)].astype(np.float64) * weight[hist][:, None]).T
        return Contributions(hist, per, np.zeros(len(items)))

    def edits_of(self, history: History, *, scores: FloatArray | None = None) -> LinearEdits:
        """Scores without sets of history items: the full score minus the removed items' rows of B (linear)."""
        weight = self.history_weights(history)
        if scores is None:
            hist = np.unique(history.items)
            scores = weight[hist] @ self.weights_[hist]
        return LinearEdits(weight, scores, lambda idx: self.weights_[idx])

    def state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.weights_ = np.asarray(state["weights"], dtype=np.float32)
