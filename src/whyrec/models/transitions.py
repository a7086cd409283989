"""Item transitions (sequential rules): what shoppers bought next after the products a history ends with."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import Field, NonNegativeFloat

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions, RetrainEdits

__all__ = ["ItemTransitions", "ItemTransitionsConfig", "transition_counts"]

logger = logging.getLogger(__name__)


class ItemTransitionsConfig(ModelConfig):
    """Item-transition hyperparameters (defaults: accuracy.md; ``--tune auto`` searches them)."""

    steps: int = Field(default=5, ge=1, le=100)
    """A product bought up to this many purchases after another counts as following it, weighted 1 / gap."""
    window: int = Field(default=10, ge=1, le=1000)
    """Most recent events of a history that are read."""
    decay: float = Field(default=0.5, gt=0.0, le=1.0)
    """Weight of each event relative to the next newer one (the newest weighs 1)."""
    normalize: float = Field(default=0.5, ge=0.0, le=1.0)
    """Each product's transitions are divided by (its event count) ** this: 0 keeps raw counts (best sellers'
    followers weigh most), 1 gives the share of its shoppers who bought each product next."""
    popularity_weight: NonNegativeFloat = 0.01
    """Weight of plain popularity (the top seller has 1), for ties and for histories with no known follower."""


def transition_counts(indptr: np.ndarray, items: np.ndarray, n_items: int, steps: int) -> sp.csr_array:
    """(n_items, n_items) sum over sequences of 1 / gap for each product b that follows a within `steps` events.

    A product following itself (a view, then its purchase) is not a transition.

    Example:
        >>> transition_counts(np.array([0, 3]), np.array([0, 1, 2]), 3, 2).toarray()
        array([[0. , 1. , 0.5],
               [0. , 0. , 1. ],
               [0. , 0. , 0. ]])
    """
    owner = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    rows, cols, vals = [], [], []
    for gap in range(1, steps + 1):
        keep = (owner[:-gap] == owner[gap:]) & (items[:-gap] != items[gap:])
        rows.append(items[:-gap][keep])
        cols.append(items[gap:][keep])
        vals.append(np.full(int(keep.sum()), 1.0 / gap))
    counts = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n_items, n_items), dtype=np.float64)
    counts.sum_duplicates()
    return counts


class ItemTransitions(BaseRecommender[ItemTransitionsConfig]):
    """Scores item j by how often shoppers bought it soon after the newest products of the history.

    With T[a, j] the sum of 1 / gap over the times j followed a within `steps` events in training (sequential
    rules, Kamehkhosh, Jannach & Ludewig 2017), divided by a's event count ** `normalize`, and the history's
    last `window` events weighted `decay` ** (events since), score_j = sum_events weight x T[item, j] + b x
    popularity_j / top popularity (b: `popularity_weight`). The session-based studies of Ludewig & Jannach
    (2018, 2021) found such rules as accurate as recurrent and attention models on shop sessions, and their
    evidence is a sentence a shopper can check: "shoppers who bought X bought this next".

    The score is a sum of one term per history event (:meth:`additive_terms`), but removing an item moves
    older events into the window, so an item's removal effect is not its term: :meth:`contributions` gives the
    exact removal effects, measured by re-scoring, and the baseline holds the rest. Counts are sums over
    shoppers, so the model refitted without some of a shopper's events is exact and cheap
    (:meth:`retrained_edits`).
    """

    name = "transitions"
    config_class = ItemTransitionsConfig
    retrain_exact: ClassVar[bool] = True

    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        counts = transition_counts(dataset.user_indptr, dataset.events.item, dataset.n_items, cfg.steps)
        self._derive(counts, np.bincount(dataset.events.item, minlength=dataset.n_items).astype(np.float64))
        logger.info("fitted item transitions on %d items: %d product pairs", dataset.n_items, counts.nnz)

    def _derive(self, counts: sp.csr_array, events: np.ndarray) -> None:
        """The scoring matrix and prior from raw transition counts and per-item event counts."""
        self.counts_ = counts
        self.events_: np.ndarray = events
        scale = 1.0 / np.maximum(events, 1.0) ** self.config.normalize
        self.rows_ = sp.csr_array(sp.diags_array(scale) @ counts, dtype=np.float32)
        top = max(float(events.max(initial=0.0)), 1.0)
        self.prior_: np.ndarray = (self.config.popularity_weight * events / top).astype(np.float32)

    def event_weights(self, histories: HistoryBatch) -> sp.csr_array:
        """(n_histories, n_items) the weight each history's last `window` events give each item."""
        sizes = np.diff(histories.indptr)
        owner = np.repeat(np.arange(len(sizes)), sizes)
        since = histories.indptr[1:][owner] - 1 - np.arange(len(histories.items))  # events after this one
        read = since < self.config.window
        weight = self.config.decay ** since[read].astype(np.float64)
        shape = (len(sizes), len(self.prior_))
        matrix = sp.csr_array((weight, (owner[read], histories.items[read])), shape=shape, dtype=np.float32)
        matrix.sum_duplicates()
        return matrix

    def _score(self, histories: HistoryBatch) -> FloatArray:
        followed = (self.event_weights(histories) @ self.rows_).toarray()
        return np.asarray(followed + self.prior_[None, :], dtype=np.float32)

    def additive_terms(self, history: History, items: IndexArray) -> Contributions:
        """Each distinct history item's term (its events' weights times its transitions); the prior is the
        baseline. Terms sum to the score."""
        weights = self.event_weights(HistoryBatch.from_histories([history], len(self.prior_)))
        hist = np.unique(history.items).astype(np.int32)
        per = self.rows_[hist][:, items].toarray().astype(np.float64) * weights[[0]][:, hist].toarray().T
        return Contributions(hist, per.T, self.prior_[items].astype(np.float64))

    def contributions(self, history: History, items: IndexArray) -> Contributions:
        """Exact removal effects: what each distinct item's removal takes off the score (re-scored). Only items
        among the last `window` events have one; the baseline is the rest of the score."""
        # whyrec.explain.counterfactual.leave_one_out re-scores every distinct item for any model; here only
        # the window's items can change the score, so only they are re-scored
        hist = np.unique(history.items).astype(np.int32)
        read = np.unique(history.items[-self.config.window:])
        batch = HistoryBatch.from_histories([history, *(history.without([int(j)]) for j in read)], len(self.prior_))
        scores = self._score(batch)[:, items].astype(np.float64)
        per = np.zeros((len(items), len(hist)))
        per[:, np.searchsorted(hist, read)] = (scores[0][None, :] - scores[1:]).T
        return Contributions(hist, per, scores[0] - per.sum(axis=1))

    def retrained_edits(self, history: History, training: Dataset) -> RetrainEdits:
        """Scores of `history` without sets of items, by the model refitted without the user's events on them.

        The refit's counts are these counts minus the user's own transitions plus those of the user's
        sequence without the removed items (products that become neighbours now follow each other), and its
        event counts lose the removed events; only the rows the edited history reads are rebuilt. Exact.
        """
        n_items = len(self.prior_)
        user = history.user_id
        sequence = training.sequence(training.users.index_of(user)) if user is not None and user in training.users \
            else np.empty(0, np.int32)
        steps, normalize = self.config.steps, self.config.normalize
        own = transition_counts(np.array([0, len(sequence)]), sequence, n_items, steps)

        def score(removals: Sequence[Iterable[int]]) -> FloatArray:
            out = np.empty((len(removals), n_items), dtype=np.float32)
            for e, removal in enumerate(removals):
                removed = np.fromiter({int(j) for j in removal}, dtype=np.int64)
                gone = np.isin(sequence, removed)
                kept = sequence[~gone]
                delta = transition_counts(np.array([0, len(kept)]), kept, n_items, steps) - own
                events = self.events_ - np.bincount(sequence[gone], minlength=n_items)
                weights = self.event_weights(HistoryBatch.from_histories([history.without(removed)], n_items))
                read = weights.indices
                scale = np.maximum(events[read], 1.0)[:, None] ** normalize
                rows = (self.counts_[read] + delta[read]).toarray() / scale
                prior = self.config.popularity_weight * events / max(float(events.max(initial=0.0)), 1.0)
                out[e] = weights.data @ rows + prior
            return out

        return score

    def state(self) -> dict[str, np.ndarray]:
        return {"counts_indptr": self.counts_.indptr, "counts_indices": self.counts_.indices,
                "counts_data": self.counts_.data, "events": self.events_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        events = np.asarray(state["events"], dtype=np.float64)
        counts = sp.csr_array((np.asarray(state["counts_data"]), np.asarray(state["counts_indices"]),
                               np.asarray(state["counts_indptr"])), shape=(len(events), len(events)))
        self._derive(counts, events)
