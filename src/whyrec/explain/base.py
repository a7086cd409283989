"""The Explainer protocol, the base class every explainer extends, and the scoring context they share.

`BaseExplainer.explain` is the one template: it checks the model, scores the history once (or takes the
caller's `ScoredHistory`), runs the explainer's per-list attribution step once and its per-item step for each
item, and times both.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.errors import UnsupportedModelError
from whyrec.explain.explanation import Counterfactual, Evidence, EvidenceKind, ExplainMethod, Explanation
from whyrec.models.base import Recommender

__all__ = ["BaseExplainer", "Explainer", "ExplainerConfig", "HistoryEvents", "HistoryWeights",
           "HistoryWeightsExplainer", "ItemEvidence", "ScoredHistory", "history_events", "history_evidence",
           "history_ratings", "rank_in", "strongest_events", "with_events"]

State = TypeVar("State")


class Explainer(Protocol):
    """Explains why items were scored as they were for one history."""

    method: ClassVar[ExplainMethod]

    def supports(self, model: Recommender) -> bool: ...

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]: ...


@dataclass(frozen=True)
class ExplainerConfig:
    """The knobs every explainer shares.

    Attributes:
        top_n: evidence entries kept per explanation (None = all).
        candidates: items that may be recommended (for ranks; None = every item).
        k: the list length (a counterfactual takes its item out of the top k).
    """

    top_n: int | None = 5
    candidates: IndexArray | None = field(default=None, compare=False)
    k: int = 10


@dataclass(frozen=True)
class ItemEvidence:
    """What an explainer's per-item step found for one item (the template adds ids, score, rank, timing)."""

    evidence: tuple[Evidence, ...]
    baseline: float = 0.0
    complete: bool = False
    counterfactual: Counterfactual | None = None
    score: float | None = None
    """The score the evidence adds up to, when the explainer computes it (default: the model's score)."""


class BaseExplainer(ABC, Generic[State]):
    """The template of every explainer: score once, attribute once per list, describe each item.

    Args:
        dataset: ids, labels and whatever else the explainer reads.
        config: the knobs (default: `config_type` built from `knobs`).
        **knobs: fields of `config_type` (``top_n=3, candidates=...``), when no `config` is given.
    """

    method: ClassVar[ExplainMethod]
    config_type: ClassVar[type[ExplainerConfig]] = ExplainerConfig
    needs: ClassVar[type | tuple[type, ...] | None] = None
    """The capability protocol(s) a model must implement (None: any model)."""
    needs_text: ClassVar[str] = ""
    """The capability in words, for `UnsupportedModelError`."""
    slow: ClassVar[bool] = False
    """Seconds per list (thousands of model calls): explain-eval runs it on fewer users."""
    served: ClassVar[bool] = False
    """Offered by the API (fast, and meant for the people the list is for)."""
    compared: ClassVar[bool] = False
    """Measured by default in ``whyrec explain-eval``."""

    def __init__(self, dataset: Dataset, config: ExplainerConfig | None = None, /, **knobs: Any) -> None:
        self.dataset = dataset
        self.config = config if config is not None else self.config_type(**knobs)

    @property
    def top_n(self) -> int | None:
        """Evidence entries kept per explanation."""
        return self.config.top_n

    @property
    def candidates(self) -> IndexArray | None:
        """Items that may be recommended."""
        return self.config.candidates

    @classmethod
    def supports_dataset(cls, dataset: Dataset) -> bool:
        """Whether this method can explain models fitted on `dataset` (all datasets unless it needs more)."""
        return True

    @classmethod
    def dataset_requirement(cls, dataset: Dataset) -> str:
        """Why `dataset` is not supported (shown when `supports_dataset` is False)."""
        return f"method {cls.method.value!r} cannot explain models fitted on {dataset.name!r}."

    @classmethod
    def supports_model(cls, model: Recommender) -> bool:
        """Whether `model` has the capability this method needs."""
        return cls.needs is None or isinstance(model, cls.needs)

    def supports(self, model: Recommender) -> bool:
        """Whether `model` has the capability this method needs."""
        return self.supports_model(model)

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item, in the order given.

        Args:
            model: the fitted model.
            history: the history its scores come from.
            items: the explained items.
            scored: the history already scored by `model` (with the same candidates); scored here when None.

        Raises:
            UnsupportedModelError: the model lacks the capability this method needs.
        """
        if not self.supports(model):
            raise UnsupportedModelError(self.method, model.name, self.needs_text)
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        items = np.asarray(items, dtype=np.int32)
        started = time.perf_counter()
        state = self.attribute(model, history, items, scored)
        shared_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
        out = []
        for row, item in enumerate(items.tolist()):
            t0 = time.perf_counter()
            score = float(scored.scores[item])
            found = self.describe(state, row, item, score)
            out.append(Explanation(
                user_id=history.user_id, item_id=self.dataset.items.id_of(item),
                score=score if found.score is None else found.score, rank=scored.rank(item), model=model.name,
                method=self.method, evidence=found.evidence, baseline=found.baseline, complete=found.complete,
                counterfactual=found.counterfactual, elapsed_ms=shared_ms + (time.perf_counter() - t0) * 1000,
            ))
        return out

    @abstractmethod
    def attribute(self, model: Recommender, history: History, items: IndexArray, scored: ScoredHistory) -> State:
        """The per-list step: whatever this method computes once for all `items` of one history."""

    @abstractmethod
    def describe(self, state: State, row: int, item: int, score: float) -> ItemEvidence:
        """The per-item step: the evidence of ``items[row]`` (index `item`, model score `score`)."""


@dataclass(frozen=True)
class HistoryWeights:
    """History items and their weights for each explained item.

    Attributes:
        items: (m,) distinct history items.
        weights: (len(items), m) weight of each history item for each explained item.
        baselines: (len(items),) the part of each score no history item carries.
    """

    items: np.ndarray
    weights: np.ndarray
    baselines: np.ndarray


class HistoryWeightsExplainer(BaseExplainer[HistoryWeights]):
    """An explainer whose evidence is weighted history items: it only computes the `HistoryWeights`."""

    def describe(self, state: HistoryWeights, row: int, item: int, score: float) -> ItemEvidence:
        """The history items' weights for this item, the strongest support first."""
        return ItemEvidence(evidence=history_evidence(self.dataset, state.items, state.weights[row], score,
                                                      self.top_n),
                            baseline=float(state.baselines[row]))


def rank_in(scores: FloatArray, item: int, excluded: np.ndarray) -> int | None:
    """1-based rank of `item` among the items not `excluded` (ties: lower index first); None if excluded."""
    if excluded[item] or not np.isfinite(scores[item]):
        return None
    own = scores[item]
    better = (scores > own) | ((scores == own) & (np.arange(len(scores)) < item))
    return int((better & ~excluded).sum()) + 1


@dataclass
class ScoredHistory:
    """A history, the model's scores for it, and which items may be ranked."""

    model: Recommender
    history: History
    n_items: int
    candidates: IndexArray | None = None
    scores: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.scores = self.model.score(HistoryBatch.from_histories([self.history], self.n_items))[0]

    @cached_property
    def excluded(self) -> np.ndarray:
        """Items that cannot be recommended: outside the candidates, or already in the history."""
        return excluded_mask(self.n_items, self.history.items, self.candidates)

    @cached_property
    def ranks(self) -> np.ndarray:
        """1-based rank of every item, 0 where it cannot be ranked (the rule of `rank_in`, for all items at once)."""
        rankable = ~self.excluded & np.isfinite(self.scores)
        allowed = np.flatnonzero(~self.excluded)
        # a stable sort keeps equal scores in index order: ties go to the lower index, as in rank_in
        order = allowed[np.argsort(-self.scores[allowed], kind="stable")]
        ranks = np.zeros(self.n_items, dtype=np.int64)
        ranks[order] = np.arange(1, len(order) + 1)
        ranks[~rankable] = 0
        return ranks

    def rank(self, item: int) -> int:
        """1-based rank of `item` (0 if it cannot be ranked)."""
        return int(self.ranks[item])


def excluded_mask(n_items: int, history_items: np.ndarray, candidates: IndexArray | None) -> np.ndarray:
    """True for items that cannot be recommended to this history."""
    mask = np.zeros(n_items, dtype=bool)
    if candidates is not None:
        mask[:] = True
        mask[candidates] = False
    mask[history_items] = True
    return mask


#: Event kinds from strongest to weakest: a history item is described by its strongest event.
EVENT_STRENGTH = ("purchase", "cart", "rating", "click", "view")


#: What a shopper did with each history item: (event kind by item id, last rating by item id).
HistoryEvents = tuple[Mapping[str, str], Mapping[str, float]]


def strongest_events(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The strongest event kind of each item from (item id, event kind) pairs: the first in `EVENT_STRENGTH`;
    other event names rank below those (the first one seen is kept) and are kept as they are."""
    rank = {name: i for i, name in enumerate(EVENT_STRENGTH)}
    best: dict[str, str] = {}
    for item, name in pairs:
        if item not in best or rank.get(name, len(rank)) < rank.get(best[item], len(rank)):
            best[item] = name
    return best


def history_events(dataset: Dataset, history: History) -> dict[str, str]:
    """The strongest event kind of each history item, by item id, from `dataset`'s event log.

    Known for a user of `dataset` (their logged events); empty for a new shopper, whose events are not
    logged. An item with several events (a view, a cart, a purchase) takes the strongest (`strongest_events`).
    """
    if history.user_id is None or history.user_id not in dataset.users:
        return {}
    user = dataset.users.index_of(history.user_id)
    lo, hi = int(dataset.user_indptr[user]), int(dataset.user_indptr[user + 1])
    names = dataset.events.event_names
    items = dataset.items.ids_of(dataset.events.item[lo:hi].tolist())
    return strongest_events(zip(items, (names[c] for c in dataset.events.event[lo:hi].tolist()), strict=True))


def history_ratings(dataset: Dataset, history: History) -> dict[str, float]:
    """The user's last rating of each rated history item, by item id, from `dataset`'s event log.

    Empty for a new shopper and for data without ``rating`` events (or without their values).
    """
    names = dataset.events.event_names
    if "rating" not in names or history.user_id is None or history.user_id not in dataset.users:
        return {}
    user = dataset.users.index_of(history.user_id)
    lo, hi = int(dataset.user_indptr[user]), int(dataset.user_indptr[user + 1])
    rated = (dataset.events.event[lo:hi] == names.index("rating")) & np.isfinite(dataset.events.value[lo:hi])
    items, values = dataset.events.item[lo:hi][rated].tolist(), dataset.events.value[lo:hi][rated].tolist()
    return {dataset.items.id_of(item): float(value) for item, value in zip(items, values, strict=True)}


def history_evidence(dataset: Dataset, items: np.ndarray, weights: np.ndarray, score: float,
                     top_n: int | None, events: Mapping[str, str] | None = None) -> tuple[Evidence, ...]:
    """Evidence entries for history items, the strongest support first (the first `top_n`, or all).

    Ordered by signed weight, so a truncated list keeps the items that push the score up most (the reasons
    people are shown and the deletion test removes) and items that push it down come last. `events` (item id
    -> event kind, see `history_events`) fills each entry's ``event``.
    """
    order = np.argsort(-np.asarray(weights), kind="stable")
    if top_n is not None:
        order = order[:top_n]
    # plain Python numbers: per-element numpy scalars cost more than the rest of this function
    chosen, chosen_weights = np.asarray(items)[order].tolist(), np.asarray(weights, dtype=np.float64)[order].tolist()
    kinds = events or {}
    out = []
    for item, weight in zip(chosen, chosen_weights, strict=True):
        ref = dataset.items.id_of(item)
        out.append(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=ref, label=dataset.catalog.label(item), weight=weight,
                            share=weight / score if score else 0.0, event=kinds.get(ref)))
    return tuple(out)


def with_events(evidence: tuple[Evidence, ...], events: Mapping[str, str],
                ratings: Mapping[str, float] | None = None) -> tuple[Evidence, ...]:
    """`evidence` with each history item's ``event`` (and, for a ``rating``, its ``rating``) filled in.

    `events` maps item ids to event kinds (`history_events`), `ratings` item ids to ratings (`history_ratings`).
    """
    if not events:
        return evidence
    stars = ratings or {}
    out = []
    for x in evidence:
        if x.kind == EvidenceKind.HISTORY_ITEM and x.event is None and x.ref in events:
            event = events[x.ref]
            x = x.model_copy(update={"event": event, "rating": stars.get(x.ref) if event == "rating" else None})
        out.append(x)
    return tuple(out)
