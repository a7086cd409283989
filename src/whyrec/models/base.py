"""The Recommender contract: fit on a Dataset, score any history, recommend from the scores.

Ranking lives in `whyrec.models.ranking`, optional capabilities in `whyrec.models.capabilities` and
`whyrec.models.edits`, the translation of hyperparameter errors in `whyrec.models.config_errors`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.errors import ConfigError, DataError, NotFittedError
from whyrec.models.config_errors import config_error
from whyrec.models.ranking import Recommendations, top_k

__all__ = [
    "BaseRecommender",
    "ModelConfig",
    "Recommender",
    "Validation",
]


class ModelConfig(BaseModel):
    """Hyperparameters shared by every model; each model extends it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    seed: int = 0
    """Random seed (models without randomness ignore it)."""


class Validation(Protocol):
    """Held-out data a model scores itself on while it trains (early stopping, tuned weights).

    `whyrec.evaluate.validation.ValidationSet` is the one whyrec builds; models only call what is here.
    """

    @property
    def k(self) -> int:
        """List length of the validation metric (NDCG@k)."""
        ...

    def ndcg(self, model: Recommender) -> float:
        """Mean NDCG@k of `model` over the validation users."""
        ...


@runtime_checkable
class Recommender(Protocol):
    """What every model does. Histories need not belong to users seen in training."""

    name: ClassVar[str]

    @property
    def config(self) -> ModelConfig:
        """The hyperparameters (read-only, so a model's own config subclass satisfies it)."""
        ...

    @property
    def is_fitted(self) -> bool: ...

    def fit(self, dataset: Dataset, *, validation: Validation | None = None) -> Self: ...

    def score(self, histories: HistoryBatch) -> FloatArray: ...

    def recommend(self, histories: HistoryBatch, k: int, *, exclude_seen: bool = True,
                  candidates: IndexArray | None = None) -> Recommendations: ...

    def state(self) -> dict[str, np.ndarray]: ...


C = TypeVar("C", bound=ModelConfig)


class BaseRecommender(ABC, Generic[C]):
    """Shared machinery: config validation, fitted-state checks, recommend() from score().

    Subclasses set ``name`` and ``config_class`` and implement ``_fit``, ``_score``, ``state`` and
    ``_load_state``. The constructor only stores the validated config; learning happens in ``fit``.

    Args:
        config: the hyperparameters; keyword arguments build one instead (``EASE(regularization=250)``).
    """

    name: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]

    def __init__(self, config: C | None = None, **params: Any) -> None:
        if config is not None and params:
            raise ConfigError(f"{type(self).__name__}: pass either a config or keyword parameters, not both.")
        if config is None:
            try:
                config = self.config_class.model_validate(params)  # type: ignore[assignment]
            except ValidationError as e:
                raise config_error(self.name, self.config_class, e) from None
        self.config: C = config  # type: ignore[assignment]
        self.n_items_: int | None = None

    @property
    def is_fitted(self) -> bool:
        """Whether `fit` (or loading a saved state) has happened."""
        return self.n_items_ is not None

    def fit(self, dataset: Dataset, *, validation: Validation | None = None) -> Self:
        """Learn from every event of `dataset`; returns self.

        Args:
            dataset: the training data (every event counts).
            validation: held-out users for early stopping; models that train in one step ignore it.
        """
        self.validation_ = validation
        self._fit(dataset)
        self.n_items_ = dataset.n_items
        return self

    def score(self, histories: HistoryBatch) -> FloatArray:
        """Scores of every item for each history.

        Args:
            histories: any histories over the model's item space (known users or not).

        Returns:
            (n_histories, n_items) float32; higher is better.

        Raises:
            NotFittedError: before `fit`.
        """
        if self.n_items_ is None:
            raise NotFittedError(type(self).__name__)
        if histories.n_items != self.n_items_:
            raise DataError(f"histories are over {histories.n_items} items, but {self.name} was fitted on "
                            f"{self.n_items_}; build histories from the same dataset.")
        return np.asarray(self._score(histories), dtype=np.float32)

    def recommend(self, histories: HistoryBatch, k: int, *, exclude_seen: bool = True,
                  candidates: IndexArray | None = None) -> Recommendations:
        """The k best items per history.

        Args:
            histories: the histories to recommend for.
            k: list length.
            exclude_seen: never recommend an item already in the history.
            candidates: only these item indices may be recommended (default: all).
        """
        if k < 1:
            raise ConfigError(f"k must be an int in the range [1, inf). Got {k!r} instead.", field="k")
        scores = self.score(histories).copy()
        if candidates is not None:
            allowed = np.zeros(scores.shape[1], dtype=bool)
            allowed[candidates] = True
            scores[:, ~allowed] = -np.inf
        if exclude_seen:
            seen = histories.binary
            rows = np.repeat(np.arange(len(histories)), np.diff(seen.indptr))
            scores[rows, seen.indices] = -np.inf
        return top_k(scores, k)

    @abstractmethod
    def _fit(self, dataset: Dataset) -> None: ...

    @abstractmethod
    def _score(self, histories: HistoryBatch) -> FloatArray: ...

    @abstractmethod
    def state(self) -> dict[str, np.ndarray]:
        """The learned arrays, to be saved in ``arrays.npz``."""

    @abstractmethod
    def _load_state(self, state: Mapping[str, np.ndarray]) -> None: ...

    @classmethod
    def from_state(cls, config: ModelConfig, state: Mapping[str, np.ndarray], n_items: int) -> Self:
        """Rebuild a fitted model from its config and saved arrays."""
        model = cls(config)  # type: ignore[arg-type]
        model._load_state(state)
        model.n_items_ = n_items
        return model

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config.model_dump().items())
        return f"{type(self).__name__}({params})"
