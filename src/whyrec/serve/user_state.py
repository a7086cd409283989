"""One user's scoring state: the live history, the ranking it gives, and why (built once per user version)."""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import numpy as np
from pydantic import BaseModel

from whyrec._types import FloatArray, IndexArray
from whyrec.data.history import History, HistoryBatch
from whyrec.explain.base import HistoryEvents, ScoredHistory, history_events, history_ratings, strongest_events
from whyrec.retrieval import Retrieval, Retriever
from whyrec.serve.served_run import RATING, ServedRun

__all__ = ["RankedHistory", "SizedStore", "UserState", "build_user_state", "deep_size", "profile_tags"]


@dataclass
class RankedHistory(ScoredHistory):
    """A ScoredHistory whose scores and ranks come from the service's ranking (hidden items and ties included).

    The explainers take it as their ``scored`` argument, so an explanation's rank is the rank the user sees.
    """

    precomputed: FloatArray | None = None
    ranks: np.ndarray = field(kw_only=True)  # (n_items,) 1-based, 0 where it cannot be recommended

    def __post_init__(self) -> None:
        self.scores = self.precomputed if self.precomputed is not None else np.zeros(self.n_items, np.float32)


@dataclass(eq=False)
class UserState:
    """Everything a request for one user needs, valid for one (user version, run version) pair.

    Attributes:
        user_id: the user.
        user_version: the store's version of the user when this was built.
        run_version: the served run's version.
        history: the history the model scores: training events + live events, minus not-interested items and
            items that carry a removed tag.
        n_training: events of the history from the run's training data.
        n_live: events of the history posted to the service.
        personalized: False when the user turned personalization off.
        cold_start: True when the history is empty (then the list is by popularity).
        removed_tags: tags the user removed.
        hidden: item indices the user marked not interested.
        scores: (n_items,) float32 the scores the list is sorted by (the model's, or popularity).
        ranking: (n,) int32 every item that may be recommended, best first.
        ranks: (n_items,) int32 1-based rank of each item, 0 when it cannot be recommended.
        events: what the user did with each history item, logged and live (event kinds and last ratings by
            item id): the verbs of the reasons.
        retrieval: ``approximate`` when `ranking` holds only the best `APPROXIMATE_DEPTH` items found in the
            run's item index (`scores` are -inf and `ranks` 0 for the others); :meth:`exact` gives the full state.
        excluded: (n,) int32 items that may not be recommended (history before edits, hidden items).
    """

    user_id: str
    user_version: int
    run_version: int
    history: History
    n_training: int
    n_live: int
    personalized: bool
    cold_start: bool
    removed_tags: tuple[str, ...]
    hidden: IndexArray
    scores: FloatArray
    ranking: IndexArray
    ranks: np.ndarray
    events: HistoryEvents = field(default=({}, {}), repr=False)
    explanations: SizedStore = field(default_factory=lambda: SizedStore(), repr=False)
    """Explanations made so far, by (method, k, item, lang)."""
    rendered: SizedStore = field(default_factory=lambda: SizedStore(), repr=False)
    """Response bodies made so far, by request parameters."""
    retrieval: Retrieval = "exact"
    excluded: IndexArray = field(default_factory=lambda: np.zeros(0, np.int32), repr=False)
    _exact: UserState | None = field(default=None, repr=False)

    def exact(self, served: ServedRun) -> UserState:
        """This state with every allowed item scored and ranked (itself when it already is); built once.

        Explanations and rendered bodies are shared with the approximate state.
        """
        if self.retrieval == "exact":
            return self
        if self._exact is None:
            scores = served.model.score(HistoryBatch.from_histories([self.history], served.n_items))[0]
            ranking = _rank(served, scores, self.excluded)
            self._exact = replace(self, scores=np.asarray(scores, dtype=np.float32), ranking=ranking,
                                  ranks=_ranks(served, ranking), retrieval="exact")
        return self._exact

    @property
    def nbytes(self) -> int:
        """Bytes this state holds: its arrays, its explanations and its rendered bodies (measured, not guessed)."""
        arrays = (self.history.items, self.history.weights, self.history.timestamps, self.hidden, self.scores,
                  self.ranking, self.ranks, self.excluded)
        exact = 0 if self._exact is None else sum(a.nbytes for a in (self._exact.scores, self._exact.ranking,
                                                                     self._exact.ranks))
        return (sum(a.nbytes for a in arrays if a is not None) + exact + self.explanations.nbytes
                + self.rendered.nbytes + deep_size(self.events) + _STATE_OVERHEAD)

    def trim(self, max_bytes: int) -> None:
        """Drop the explanations and rendered bodies when together they are over `max_bytes` (they are rebuilt
        on demand)."""
        if self.explanations.nbytes + self.rendered.nbytes > max_bytes:
            self.explanations.clear()
            self.rendered.clear()

    @property
    def uses_model(self) -> bool:
        """Whether the list comes from the model (else from popularity)."""
        return self.personalized and not self.cold_start

    def scored(self, served: ServedRun) -> RankedHistory:
        """The explainers' view of this state."""
        return RankedHistory(served.model, self.history, served.n_items, None, precomputed=self.scores,
                             ranks=self.ranks)

    def allowed(self, served: ServedRun) -> IndexArray:
        """Items that may be recommended to this user (the run's candidates minus hidden ones)."""
        if len(self.hidden) == 0:
            return served.candidates
        return np.setdiff1d(served.candidates, self.hidden).astype(np.int32)


#: Bytes of a UserState's Python objects besides its arrays and stores (measured with deep_size: about 2.5 kB).
_STATE_OVERHEAD = 4096


def deep_size(value: Any, _seen: set[int] | None = None) -> int:
    """Bytes of `value` and of everything it holds (pydantic models, containers, strings, numbers); enums and
    other shared singletons are not counted."""
    seen = _seen if _seen is not None else set()
    if id(value) in seen or isinstance(value, Enum) or value is None or isinstance(value, bool):
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        return size if value.base is None else size + value.nbytes
    if isinstance(value, dict):
        return size + sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(deep_size(v, seen) for v in value)
    if isinstance(value, BaseModel):
        return size + deep_size(value.__dict__, seen)
    return size


class SizedStore(dict[Any, Any]):
    """A dict that keeps the running size of its values (:func:`deep_size`), for the cache's byte bound."""

    def __init__(self) -> None:
        super().__init__()
        self.nbytes = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        old = super().get(key)
        if old is not None:
            self.nbytes -= deep_size(old)
        super().__setitem__(key, value)
        self.nbytes += deep_size(value) + deep_size(key)

    def __delitem__(self, key: Any) -> None:
        self.nbytes -= deep_size(self[key]) + deep_size(key)
        super().__delitem__(key)

    def clear(self) -> None:
        super().clear()
        self.nbytes = 0


@dataclass(frozen=True)
class LiveEvent:
    """A stored event, reduced to what scoring needs."""

    item_id: str
    event_type: str
    value: float | None
    timestamp: int


def build_user_state(served: ServedRun, user_id: str, user_version: int, events: Iterable[LiveEvent], *,
                     personalized: bool, removed_tags: Sequence[str], hidden_ids: Iterable[str],
                     exact: bool = True) -> UserState:
    """Score one user's live history and rank every allowed item (or, approximately, the best ones).

    Args:
        served: the run.
        user_id: the user.
        user_version: the store's version of the user, read before the events.
        events: the user's stored events, oldest first.
        personalized: the user's setting.
        removed_tags: tags whose items no longer count.
        hidden_ids: items the user is not interested in.
        exact: False: rank from the run's item index when it has one (``served.retriever``).
    """
    training = served.training_history(user_id)
    items: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    n_training = 0
    if training is not None:
        n_training = len(training)
        items.append(training.items)
        weights.append(training.weights)
        stamps.append(training.timestamps if training.timestamps is not None
                      else np.zeros(len(training), dtype=np.int64))
    live_items, live_weights, live_stamps = [], [], []
    live_kinds: list[tuple[str, str]] = []
    live_ratings: dict[str, float] = {}
    index = served.fit.items
    events = list(events)
    found = index.indices_of([e.item_id for e in events], missing="mark") if events else np.zeros(0, np.int32)
    for event, item in zip(events, found, strict=True):
        weight = served.event_weight(event.event_type, event.value)
        if item < 0 or weight <= 0:  # an item of an older run, or not_interested
            continue
        live_items.append(int(item))
        live_weights.append(weight)
        live_stamps.append(event.timestamp)
        live_kinds.append((event.item_id, event.event_type))
        if event.event_type == RATING and event.value is not None:
            live_ratings[event.item_id] = float(event.value)
    items.append(np.asarray(live_items, dtype=np.int32))
    weights.append(np.asarray(live_weights, dtype=np.float32))
    stamps.append(np.asarray(live_stamps, dtype=np.int64))
    full = History(np.concatenate(items).astype(np.int32), np.concatenate(weights).astype(np.float32),
                   np.concatenate(stamps).astype(np.int64), user_id)
    hidden_list = [i for i in hidden_ids]
    hidden_found = index.indices_of(hidden_list, missing="mark") if hidden_list else np.zeros(0, np.int32)
    hidden = np.unique(hidden_found[hidden_found >= 0]).astype(np.int32)
    removed = tuple(sorted(set(removed_tags)))
    dropped = [served.tag_items[t] for t in removed if t in served.tag_items]
    history = full.without(np.concatenate(dropped).tolist() if dropped else []) if dropped else full
    history = history.without(hidden.tolist()) if len(hidden) else history
    cold = len(history) == 0
    excluded = np.union1d(full.items, hidden).astype(np.int32)
    retriever = None if exact or cold or not personalized else served.retriever
    retrieval: Retrieval = "exact"
    if retriever is not None:
        scores, ranking, retrieval = _retrieve(served, retriever, history, excluded)
    elif personalized and not cold:
        scores = served.model.score(HistoryBatch.from_histories([history], served.n_items))[0]
        ranking = _rank(served, scores, excluded)
    else:
        scores = served.popularity
        ranking = _rank(served, scores, excluded)
    ranks = _ranks(served, ranking)
    logged: HistoryEvents = ((history_events(served.fit, training), history_ratings(served.fit, training))
                             if training is not None else ({}, {}))
    events_of = (strongest_events([*logged[0].items(), *live_kinds]), {**logged[1], **live_ratings})
    return UserState(user_id=user_id, user_version=user_version, run_version=served.version, history=history,
                     n_training=n_training, n_live=len(live_items), personalized=personalized, cold_start=cold,
                     removed_tags=removed, hidden=hidden, scores=np.asarray(scores, dtype=np.float32),
                     ranking=ranking, ranks=ranks, events=events_of, retrieval=retrieval, excluded=excluded)


#: Items an approximate state ranks: enough for the longest list (100) after filters drop half of them.
APPROXIMATE_DEPTH = 200


def _retrieve(served: ServedRun, retriever: Retriever, history: History,
              excluded: IndexArray) -> tuple[FloatArray, IndexArray, Retrieval]:
    """(scores, ranking, retrieval) of the best `APPROXIMATE_DEPTH` allowed items found in the index."""
    allowed = served.candidates
    if len(excluded):
        mask = np.zeros(served.n_items, dtype=bool)
        mask[excluded] = True
        allowed = allowed[~mask[allowed]]
    found = retriever.recommend(HistoryBatch.from_histories([history], served.n_items), APPROXIMATE_DEPTH,
                                exclude_seen=False, candidates=allowed)
    if not found.approximate[0]:  # too few items left: ranked exactly instead
        scores = served.model.score(HistoryBatch.from_histories([history], served.n_items))[0]
        return scores, _rank(served, scores, excluded), "exact"
    items, top = found.items[0], found.scores[0]
    keep = items >= 0
    items, top = items[keep], top[keep]
    scores = np.full(served.n_items, -np.inf, dtype=np.float32)
    scores[items] = top
    # the exact ranking's tie-break: score, then popularity, then index
    order = np.lexsort((items, -served.popularity[items], -top))
    return scores, items[order].astype(np.int32), "approximate"


def _ranks(served: ServedRun, ranking: IndexArray) -> np.ndarray:
    ranks = np.zeros(served.n_items, dtype=np.int32)
    ranks[ranking] = np.arange(1, len(ranking) + 1, dtype=np.int32)
    return ranks


def _rank(served: ServedRun, scores: FloatArray, excluded: np.ndarray) -> IndexArray:
    """Allowed items by score, then popularity, then index (a one-item history ties many items at 0)."""
    allowed = served.candidates
    if len(excluded):
        mask = np.zeros(served.n_items, dtype=bool)
        mask[excluded] = True
        allowed = allowed[~mask[allowed]]
    own = scores[allowed]
    keep = np.isfinite(own)
    allowed, own = allowed[keep], own[keep]
    order = np.lexsort((allowed, -served.popularity[allowed], -own))
    return allowed[order].astype(np.int32)


def profile_tags(served: ServedRun, history: History) -> list[tuple[str, float, int]]:
    """Interest tags of a history: (tag, share of the history's weight, number of distinct items), heaviest first.

    An item's weight is split evenly over its tags, so shares sum to 1 over items that carry any tag.
    """
    total: dict[str, float] = defaultdict(float)
    carriers: dict[str, set[int]] = defaultdict(set)
    for item, weight in zip(history.items.tolist(), history.weights.tolist(), strict=True):
        tags = served.item_tags[item]
        for tag in tags:
            total[tag] += weight / len(tags)
            carriers[tag].add(item)
    mass = sum(total.values())
    out = [(tag, w / mass if mass else 0.0, len(carriers[tag])) for tag, w in total.items()]
    out.sort(key=lambda t: (-t[1], t[0]))
    return [(t, s, n) for t, s, n in out if math.isfinite(s)]
