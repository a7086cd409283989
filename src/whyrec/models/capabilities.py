"""Capabilities a model may have beyond the Recommender contract; explainers check them with ``isinstance``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.history import History, HistoryBatch

if TYPE_CHECKING:
    from whyrec.data.dataset import Dataset
    from whyrec.models.base import ModelConfig

__all__ = ["AdditiveScorer", "Contributions", "DotProductScorer", "ItemFactorVectors", "RetrainEdits",
           "RetrainScorer", "TermScorer", "ValidationTuned", "WarmStartMixin", "WarmStartable"]

#: removals -> (len(removals), n_items) float32 scores of the history without each set of items, under the
#: model retrained without the user's interactions with those items.
RetrainEdits = Callable[[Sequence[Iterable[int]]], FloatArray]


@dataclass(frozen=True)
class Contributions:
    """How each history item adds to the scores of some items: ``score = baseline + per_history.sum(1)``.

    Attributes:
        history_items: (m,) int32 distinct history items (the columns).
        per_history: (n_items, m) float64 contribution of each history item to each explained item.
        baseline: (n_items,) float64 part of the score owed to no history item.
    """

    history_items: IndexArray
    per_history: np.ndarray
    baseline: np.ndarray


@runtime_checkable
class AdditiveScorer(Protocol):
    """A model whose score decomposes exactly over the history items (the exact explainer needs it).

    Each item's contribution is what removing it does to the score (for a model linear in its history,
    its term); ``baseline`` holds what no single item carries.
    """

    def contributions(self, history: History, items: IndexArray) -> Contributions: ...


@runtime_checkable
class TermScorer(Protocol):
    """A model whose score is a sum of per-history-item terms that are not its items' removal effects (ALS).

    Its ``contributions`` give removal effects; these are the model's own terms, for comparison.
    """

    def additive_terms(self, history: History, items: IndexArray) -> Contributions:
        """Per-item terms summing to the score, with a zero baseline."""
        ...


@runtime_checkable
class DotProductScorer(Protocol):
    """A model whose scores are inner products: ``score(histories) == query_vectors(histories) @ item_vectors().T``.

    Approximate top-k retrieval (`whyrec.retrieval`) indexes its item vectors (ALS, BPR, LightGCN).
    """

    def query_vectors(self, histories: HistoryBatch) -> FloatArray:
        """(n_histories, dim) float32 vectors of the histories."""
        ...

    def item_vectors(self) -> FloatArray:
        """(n_items, dim) float32 vectors of the items."""
        ...


class ItemFactorVectors:
    """`DotProductScorer.item_vectors` of a model whose item vectors are its ``item_factors_`` (ALS)."""

    item_factors_: FloatArray

    def item_vectors(self) -> FloatArray:
        """The item factors."""
        return self.item_factors_


@runtime_checkable
class ValidationTuned(Protocol):
    """A model that learns some hyperparameters from the validation data passed to ``fit`` (hybrid's weight).

    Training fits it on train with validation, then refits ``tuned_config()`` on train + valid without it.
    """

    def needs_validation(self) -> bool:
        """Whether this config leaves something to learn on validation data."""
        ...

    def tuned_config(self) -> ModelConfig:
        """After ``fit`` with validation: the config with the learned values fixed."""
        ...


@runtime_checkable
class RetrainScorer(Protocol):
    """A model that scores a user's edited history under the model retrained without the removed interactions.

    How each model does it, and how exact it is: `whyrec.models.retraining`.
    """

    def retrained_edits(self, history: History, training: Dataset) -> RetrainEdits | None:
        """A function: removals -> scores of `history` without each set, by the model retrained without them.

        Args:
            history: the history explained (its user's interactions in `training` are the ones deleted).
            training: the data the model was fitted on.

        Returns:
            The function (call it many times: it keeps what it precomputed), or None when this fitted state
            cannot (e.g. a run saved before it kept what the update needs).
        """
        ...


@runtime_checkable
class WarmStartable(Protocol):
    """A model whose next fits start from given item arrays instead of random ones (``train --warm-start``)."""

    def warm_start(self, state: Mapping[str, np.ndarray]) -> None:
        """Start every later `fit` from `state`: the model's own `state()` arrays, one row per item of the data
        it will be fitted on (rows of new items freshly initialised). A fit on data of another size ignores it.
        """
        ...


class WarmStartMixin:
    """`WarmStartable` for a model that reads ``self._initial`` in its ``_fit`` (ALS, BPR)."""

    _initial: Mapping[str, np.ndarray] | None = None

    def warm_start(self, state: Mapping[str, np.ndarray]) -> None:
        """Start later fits from `state` (see `WarmStartable`)."""
        self._initial = state
