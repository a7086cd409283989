"""Scoring a history with some of its items masked out: the shared ground of SHAP, LIME and fidelity tests."""

from __future__ import annotations

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import Recommender

__all__ = ["MaskedScorer"]

_CHUNK = 1024


class MaskedScorer:
    """f(mask) = the model's scores of `items` for the history restricted to the unmasked distinct items.

    Args:
        model: any recommender.
        history: the full history.
        items: the explained items (the outputs).
        n_items: size of the item space.
    """

    def __init__(self, model: Recommender, history: History, items: IndexArray, n_items: int) -> None:
        self.model = model
        self.history = history
        self.items = np.asarray(items, dtype=np.int32)
        self.n_items = n_items
        self.features = np.unique(history.items).astype(np.int32)  # one feature per distinct history item
        self._position = np.searchsorted(self.features, history.items)
        self.calls = 0

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        """(n, n_features) 0/1 masks -> (n, len(items)) float64 scores."""
        masks = np.atleast_2d(np.asarray(masks)) > 0.5
        out = np.empty((len(masks), len(self.items)))
        for lo in range(0, len(masks), _CHUNK):
            chunk = masks[lo:lo + _CHUNK]
            keep = chunk[:, self._position]  # (n, n_events)
            lengths = keep.sum(1)
            indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            batch = HistoryBatch(indptr, np.tile(self.history.items, len(chunk))[keep.ravel()],
                                 np.tile(self.history.weights, len(chunk))[keep.ravel()], None,
                                 (self.history.user_id,) * len(chunk), self.n_items)
            out[lo:lo + len(chunk)] = self.model.score(batch)[:, self.items]
        self.calls += len(masks)
        return out
