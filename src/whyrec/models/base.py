"""The Recommender contract: fit on a Dataset, score any history, recommend from the scores."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, Self, TypeVar, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.errors import ConfigError, DataError, NotFittedError

if TYPE_CHECKING:
    from whyrec.evaluate.validation import ValidationSet

__all__ = [
    "AdditiveScorer",
    "BaseRecommender",
    "Contributions",
    "EditScorer",
    "LinearEdits",
    "ModelConfig",
    "Recommendations",
    "Recommender",
    "TermScorer",
    "ValidationTuned",
    "top_k",
]


class ModelConfig(BaseModel):
    """Hyperparameters shared by every model; each model extends it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    seed: int = 0
    """Random seed (models without randomness ignore it)."""


@dataclass(frozen=True)
class Recommendations:
    """Top-k lists.

    Attributes:
        items: (n_histories, k) int32 item indices, best first; -1 where fewer than k items could be ranked.
        scores: (n_histories, k) float32 scores (-inf in empty slots).
    """

    items: IndexArray
    scores: FloatArray


@runtime_checkable
class Recommender(Protocol):
    """What every model does. Histories need not belong to users seen in training."""

    name: ClassVar[str]
    config: ModelConfig

    @property
    def is_fitted(self) -> bool: ...

    def fit(self, dataset: Dataset, *, validation: ValidationSet | None = None) -> Self: ...

    def score(self, histories: HistoryBatch) -> FloatArray: ...

    def recommend(self, histories: HistoryBatch, k: int, *, exclude_seen: bool = True,
                  candidates: IndexArray | None = None) -> Recommendations: ...

    def state(self) -> dict[str, np.ndarray]: ...


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
class EditScorer(Protocol):
    """A model that re-scores edited versions of one history faster than scoring them from scratch."""

    def edits_of(self, history: History, *,
                 scores: FloatArray | None = None) -> Callable[[Sequence[Iterable[int]]], FloatArray]:
        """A function: removals -> (len(removals), n_items) scores of `history` without each set of items.

        The returned function keeps whatever it precomputed for `history`, so call it many times. `scores`
        are the history's own scores when the caller already has them (a model may reuse them).
        """
        ...


@runtime_checkable
class TermScorer(Protocol):
    """A model whose score is a sum of per-history-item terms that are not its items' removal effects (ALS).

    Its ``contributions`` give removal effects; these are the model's own terms, for comparison.
    """

    def additive_terms(self, history: History, items: IndexArray) -> Contributions:
        """Per-item terms summing to the score, with a zero baseline."""
        ...


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


class LinearEdits:
    """Scores of one history without sets of its items, for a model linear in its history row.

    Removing items R from the history subtracts sum_{j in R} w_j * row_j from the full score, so each edit
    costs |R| rows instead of a fresh matrix product. Call it with removals (the `EditScorer` contract).

    Args:
        weight: (n_items,) the history's input weights w (0 for items not in it).
        base: (n_items,) the full history's scores.
        item_rows: item indices -> (len, n_items) dense rows of the model's item-item matrix.
    """

    def __init__(self, weight: np.ndarray, base: np.ndarray, item_rows: Callable[[list[int]], np.ndarray]) -> None:
        self.weight = np.asarray(weight, dtype=np.float64)
        self.base = np.asarray(base, dtype=np.float64)
        self.base32 = self.base.astype(np.float32)
        self.item_rows = item_rows

    def __call__(self, removals: Sequence[Iterable[int]]) -> FloatArray:
        """(len(removals), n_items) scores without each set of items."""
        weight = self.weight
        # one product for the whole batch: (removals x removed items) weights @ their rows
        sets = [np.fromiter(r, dtype=np.int64, count=len(r))
                for r in (removal if isinstance(removal, frozenset | set) else set(removal) for removal in removals)]
        flat = np.concatenate(sets) if sets else np.empty(0, dtype=np.int64)
        flat_rows = np.repeat(np.arange(len(sets)), [len(r) for r in sets])
        in_range = (flat >= 0) & (flat < len(weight))
        flat, flat_rows = flat[in_range], flat_rows[in_range]
        present = weight[flat] != 0  # items not in the history change nothing
        flat, flat_rows = flat[present], flat_rows[present]
        if not len(flat):
            return np.tile(self.base32, (len(sets), 1))
        removed, column = np.unique(flat, return_inverse=True)
        rows = self.item_rows(removed.tolist())
        # computed in the rows' precision: float32 rows (EASE) make this several times cheaper than float64
        coef = np.zeros((len(sets), len(removed)), dtype=rows.dtype)
        coef[flat_rows, column] = weight[flat]
        return ((self.base32 if rows.dtype == np.float32 else self.base) - coef @ rows).astype(np.float32, copy=False)

    def prefixes(self, orders: IndexArray) -> FloatArray:
        """(n_orders, steps, n_items) scores without the first 1..steps items of each row of `orders`.

        `orders` is (n_orders, steps) distinct history items per row; -1 pads a short row (removes nothing).
        One cumulative sum gives every prefix, where sets would cost a product each.
        """
        orders = np.asarray(orders, dtype=np.int64)
        padded = orders < 0
        flat = np.where(padded, 0, orders).ravel()
        coef = np.where(padded, 0.0, self.weight[np.where(padded, 0, orders)])
        rows = self.item_rows(flat.tolist()).reshape(*orders.shape, -1)
        removed = rows * coef.astype(rows.dtype)[:, :, None]
        for step in range(1, removed.shape[1]):  # a running sum; np.cumsum over a middle axis is many times slower
            np.add(removed[:, step - 1], removed[:, step], out=removed[:, step])
        return ((self.base32 if rows.dtype == np.float32 else self.base) - removed).astype(np.float32, copy=False)


def top_k(scores: FloatArray, k: int) -> Recommendations:
    """The k best columns per row, ties broken by lower item index; -inf entries are never returned.

    Example:
        >>> top_k(np.array([[0.1, 0.5, 0.5, -np.inf]], dtype=np.float32), 4).items
        array([[ 1,  2,  0, -1]], dtype=int32)
    """
    n_rows, n_cols = scores.shape
    k_eff = min(k, n_cols)
    if k_eff < n_cols:
        # argpartition picks an arbitrary member of a tie at the k-th place: keep everything strictly
        # better than the k-th best score, then the lowest-index items tied with it (NaN ranks last).
        key = np.where(np.isnan(scores), -np.inf, scores)
        kth = -np.partition(-key, k_eff - 1, axis=1)[:, k_eff - 1:k_eff]
        better = key > kth
        tied = key == kth
        take = better | tied
        over = np.flatnonzero(take.sum(1) > k_eff)  # rows whose ties spill past k: keep the first ones
        if len(over):
            t, b = tied[over], better[over]
            take[over] = b | (t & (np.cumsum(t, axis=1) <= k_eff - b.sum(1, keepdims=True)))
        part = np.nonzero(take)[1].reshape(n_rows, k_eff)
    else:
        part = np.tile(np.arange(n_cols), (n_rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    items = np.take_along_axis(part, order, axis=1).astype(np.int32)
    top_scores = np.take_along_axis(part_scores, order, axis=1).astype(np.float32)
    items[~np.isfinite(top_scores) & (top_scores < 0)] = -1
    if k_eff < k:
        items = np.pad(items, ((0, 0), (0, k - k_eff)), constant_values=-1)
        top_scores = np.pad(top_scores, ((0, 0), (0, k - k_eff)), constant_values=-np.inf)
    return Recommendations(items, top_scores)


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

    def fit(self, dataset: Dataset, *, validation: ValidationSet | None = None) -> Self:
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


def config_error(model: str, config_class: type[ModelConfig], error: ValidationError) -> ConfigError:
    """Turn pydantic's error into one ConfigError that names the parameter and the valid ones."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    valid = sorted({f.alias or name for name, f in config_class.model_fields.items()} | set(config_class.model_fields))
    if first["type"] == "extra_forbidden":
        message = f"{model}: unknown parameter {field!r}; valid parameters: {', '.join(valid)}."
    else:
        message = f"{model}: parameter {field!r}: {first['msg']}. Got {first.get('input')!r} instead."
    return ConfigError(message, source="params", field=field, allowed=tuple(valid))
