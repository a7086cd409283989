"""Counterfactuals: the smallest set of history items whose removal takes an item out of the top k.

The search is greedy in the order of an attribution (exact contributions when the model has them, else
leave-one-out score drops). Every step is scored by the model retrained without the removed interactions when
it can do that at request time (`RetrainScorer`: the claim is ``verified="retrained"``), else by re-scoring
the edited history with the same weights (``"rescored"``). An item is out of the top k only when k rankable
items beat it by a real margin: a tie with the k-th never counts as a change of rank.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import History, HistoryBatch
from whyrec.explain.base import (
    BaseExplainer,
    ExplainerConfig,
    HistoryWeights,
    ItemEvidence,
    ScoredHistory,
    excluded_mask,
    history_evidence,
)
from whyrec.explain.explanation import Counterfactual, ExplainMethod, Verification
from whyrec.models.base import Recommender
from whyrec.models.capabilities import AdditiveScorer, RetrainEdits, RetrainScorer
from whyrec.models.edits import EditScorer, LinearEdits

__all__ = ["CounterfactualConfig", "CounterfactualExplainer", "history_attribution", "leave_one_out"]


def leave_one_out(model: Recommender, history: History, items: IndexArray,
                  n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Score drop of each item when each distinct history item is removed (any model).

    Returns:
        (history_items (m,), drops (len(items), m)).
    """
    unique = np.unique(history.items)
    batch = HistoryBatch.from_histories([history, *(history.without([int(j)]) for j in unique)], n_items)
    scores = model.score(batch)[:, items].astype(np.float64)
    return unique.astype(np.int32), (scores[0][None, :] - scores[1:]).T


def history_attribution(model: Recommender, history: History, items: IndexArray,
                        n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(history_items (m,), weights (len(items), m), baselines (len(items),)) for any model.

    Exact contributions when the model has them (they sum to the score with the baseline), else leave-one-out
    score drops with a zero baseline.
    """
    if isinstance(model, AdditiveScorer):
        c = model.contributions(history, items)
        return c.history_items, c.per_history, c.baseline
    hist_items, drops = leave_one_out(model, history, items, n_items)
    return hist_items, drops, np.zeros(len(items))


@dataclass(frozen=True)
class CounterfactualConfig(ExplainerConfig):
    """Knobs of the counterfactual search.

    Attributes:
        max_size: largest set tried; beyond it the explanation says ``verified=None``.
        retrain: score the search's steps by the model retrained without the removed interactions, when the
            model can (`RetrainScorer`); False re-scores with the same weights.
    """

    max_size: int = 5
    retrain: bool = True

#: A score must fall below the k-th by more than this share of the largest score magnitude to count as "out".
MARGIN = 1e-5
#: Extra ranks a claim must clear when the retrained scores are an estimate (a model whose ``retrain_exact`` is
#: False, e.g. ALS's warm-started refit): the item must leave the top k + this. Measured against full refits
#: (docs/benchmarks/explain_retrain.md), the estimate's error is about one position: every ALS claim that
#: failed after refitting had been claimed at rank k + 1.
APPROXIMATE_SLACK = 1


class CounterfactualExplainer(BaseExplainer[tuple[HistoryWeights, list[Counterfactual]]]):
    """A minimal set of history items that drops an item out of the top k, verified by retraining or re-scoring.

    Knobs (`CounterfactualConfig`): ``k``, the list length the item must fall out of; ``max_size``;
    ``retrain``; ``top_n`` evidence entries kept (the attribution that guided the search); ``candidates``.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.COUNTERFACTUAL
    config: CounterfactualConfig
    config_type: ClassVar[type[ExplainerConfig]] = CounterfactualConfig
    served: ClassVar[bool] = True
    compared: ClassVar[bool] = True

    @property
    def k(self) -> int:
        """The list length the item must fall out of."""
        return self.config.k

    @property
    def max_size(self) -> int:
        """Largest set tried."""
        return self.config.max_size

    def attribution(self, model: Recommender, history: History, items: IndexArray) -> tuple[np.ndarray, np.ndarray]:
        """(history_items, weights (len(items), m)) guiding the search."""
        hist_items, weights, _ = history_attribution(model, history, items, self.dataset.n_items)
        return hist_items, weights

    def attribute(self, model: Recommender, history: History, items: IndexArray,
                  scored: ScoredHistory) -> tuple[HistoryWeights, list[Counterfactual]]:
        """The attribution that guides the search, and each item's verified counterfactual."""
        hist_items, weights = self.attribution(model, history, items)
        retrain = model.retrained_edits(history, self.dataset) if (
            self.config.retrain and isinstance(model, RetrainScorer)) else None
        edits = _EditCache(model, history, self.dataset.n_items, self.candidates, scored.scores, retrain=retrain)
        out_past = self.k + (APPROXIMATE_SLACK if retrain is not None and not getattr(model, "retrain_exact", True)
                             else 0)
        found = self.search(edits, items, [self.order(hist_items, weights[row]) for row in range(len(items))],
                            out_past=out_past)
        return HistoryWeights(hist_items, weights, np.zeros(len(items))), found

    def describe(self, state: tuple[HistoryWeights, list[Counterfactual]], row: int, item: int,
                 score: float) -> ItemEvidence:
        """The item's counterfactual, with the attribution that guided it as evidence."""
        attribution, found = state
        return ItemEvidence(evidence=history_evidence(self.dataset, attribution.items, attribution.weights[row], score,
                                                      self.top_n), counterfactual=found[row])

    def order(self, hist_items: np.ndarray, weights: np.ndarray) -> list[int]:
        """History items in the order the greedy search removes them (largest weight first)."""
        return [int(j) for j in hist_items[np.argsort(-weights, kind="stable")][: self.max_size]]

    def search(self, edits: _EditCache, items: IndexArray, orders: list[list[int]],
               out_past: int | None = None) -> list[Counterfactual]:
        """Greedy search along each item's `order`, then pruning; every step scored as `edits` verifies.

        An item counts as out when its rank is past `out_past` (default k; see `APPROXIMATE_SLACK`). The steps
        run for all items at once, so a fast model is called a few times per history, not per item.
        """
        past = self.k if out_past is None else out_past
        rows = [row for row, order in enumerate(orders) if order]
        results = edits.rank_prefixes({row: orders[row] for row in rows}, items, lambda r: _drops_out(r, past))
        hits = {row: next((s for s, result in enumerate(results[row]) if _drops_out(result, past)), None)
                for row in rows}
        # every pruning trial of every item, ranked in one step
        trials = {row: _trials(orders[row][: hit + 1]) for row, hit in hits.items() if hit is not None}
        ranked = iter(edits.rank_pairs([(t, int(items[row])) for row, ts in trials.items() for t in ts]))
        trial_results = {row: [next(ranked) for _ in ts] for row, ts in trials.items()}
        out = []
        for row, order in enumerate(orders):
            if not order:
                out.append(Counterfactual(removed=(), new_rank=None, new_score=float("nan"), verified=None))
                continue
            hit = hits[row]
            if hit is None:
                rank, score = results[row][-1]
                out.append(Counterfactual(removed=tuple(self.dataset.items.ids_of(order)), new_rank=rank,
                                          new_score=score, verified=None))
                continue
            chosen, (rank, score) = self.prune(edits, int(items[row]), order[: hit + 1], results[row][hit],
                                               trial_results[row], past)
            out.append(Counterfactual(removed=tuple(self.dataset.items.ids_of(chosen)), new_rank=rank,
                                      new_score=score, verified=edits.verification))
        return out

    def prune(self, edits: _EditCache, item: int, chosen: list[int], result: tuple[int | None, float],
              trials: list[tuple[int | None, float]],
              out_past: int | None = None) -> tuple[list[int], tuple[int | None, float]]:
        """Drop members a working set does not need (the greedy order can over-shoot), re-verifying each drop.

        `trials` are the (rank, score) results of `_trials(chosen)`: the set without each member but the last.
        """
        if len(chosen) < 2:
            return chosen, result
        past = self.k if out_past is None else out_past
        original = chosen
        for member, trial in zip(original[:-1], trials, strict=True):
            if _drops_out(trial, past) and member in chosen:
                reduced = [j for j in chosen if j != member]
                # while nothing was dropped yet, the trial itself is the re-scored reduced set
                (verified,) = [trial] if chosen is original else edits.rank([frozenset(reduced)], item)
                if _drops_out(verified, past):
                    chosen, result = reduced, verified
        return chosen, result


def _trials(chosen: list[int]) -> list[frozenset[int]]:
    """The set without each member but the last (the greedy step that made it work)."""
    return [frozenset(j for j in chosen if j != member) for member in chosen[:-1]]


def _drops_out(result: tuple[int | None, float], k: int) -> bool:
    rank, _ = result
    return rank is None or rank > k


class _EditCache:
    """Scores of edited versions of one history, computed by the model in batches and reused across items.

    With `retrain` the scores are the retrained model's (``verification == "retrained"``), else re-scores.
    """

    def __init__(self, model: Recommender, history: History, n_items: int, candidates: IndexArray | None,
                 scores: np.ndarray | None = None, *, retrain: RetrainEdits | None = None) -> None:
        self.model, self.history, self.n_items, self.candidates = model, history, n_items, candidates
        self.scores: dict[frozenset[int], np.ndarray] = {}
        self.verification: Verification = "rescored" if retrain is None else "retrained"
        self.fast = retrain if retrain is not None else (
            model.edits_of(history, scores=scores) if isinstance(model, EditScorer) else None)
        self.rankable_again = ~excluded_mask(n_items, np.empty(0, dtype=np.int32), candidates)
        self.allowed = ~excluded_mask(n_items, history.items, candidates)

    def prefetch(self, removals: list[frozenset[int]]) -> None:
        """Score these removals now, in one batch."""
        missing = list(dict.fromkeys(r for r in removals if r not in self.scores))
        if not missing:
            return
        if self.fast is not None:
            scores = self.fast(missing)
        else:
            edited = [self.history.without(r) for r in missing]
            scores = self.model.score(HistoryBatch.from_histories(edited, self.n_items))
        self.scores.update(zip(missing, scores, strict=True))

    def rank_prefixes(self, orders: dict[int, list[int]], items: IndexArray,
                      enough: Callable[[tuple[int | None, float]], bool]) -> dict[int, list[tuple[int | None, float]]]:
        """(rank, score) of ``items[row]`` without the first 1, 2, ... items of ``orders[row]``, for each row.

        Most counterfactuals need one item, so every row's first removal is ranked first, and the longer
        prefixes only for the rows where it was not `enough` (the others keep that one result).
        """
        rank = self._rank_linear_prefixes if isinstance(self.fast, LinearEdits) else self._rank_prefix_sets
        results = rank({row: order[:1] for row, order in orders.items()}, items) if orders else {}
        later = {row: order for row, order in orders.items() if len(order) > 1 and not enough(results[row][0])}
        if later:
            results.update(rank(later, items))
        return results

    def _rank_prefix_sets(self, orders: dict[int, list[int]],
                          items: IndexArray) -> dict[int, list[tuple[int | None, float]]]:
        """Every prefix of every row, as sets scored by the model (cached, so a prefix is scored once)."""
        pairs = [(frozenset(order[: s + 1]), int(items[row]))
                 for row, order in orders.items() for s in range(len(order))]
        ranked = iter(self.rank_pairs(pairs))
        return {row: [next(ranked) for _ in order] for row, order in orders.items()}

    def _rank_linear_prefixes(self, orders: dict[int, list[int]],
                              items: IndexArray) -> dict[int, list[tuple[int | None, float]]]:
        """Every prefix of every row at once, from a running sum of the removed items' rows (linear models)."""
        assert isinstance(self.fast, LinearEdits)
        rows = list(orders)
        steps = max(len(order) for order in orders.values())
        padded = np.full((len(rows), steps), -1, dtype=np.int64)
        for r, row in enumerate(rows):
            padded[r, : len(orders[row])] = orders[row]
        targets = np.asarray(items, dtype=np.int64)[rows]
        scores = self.fast.prefixes(padded)  # (rows, steps, n_items)
        # removed items become rankable again unless they are outside the candidates: item t of a row is
        # removed in its prefixes t..steps-1
        allowed = np.repeat(np.repeat(self.allowed[None, None, :], len(rows), axis=0), steps, axis=1)
        lower = np.tril(np.ones((steps, steps), dtype=bool))
        r_idx, s_idx, t_idx = np.nonzero(lower[None, :, :] & (padded >= 0)[:, None, :])
        removed = padded[r_idx, t_idx]
        allowed[r_idx, s_idx, removed] = self.rankable_again[removed]
        ranked = _ranked(scores.reshape(-1, scores.shape[-1]), np.repeat(targets, steps),
                         allowed.reshape(-1, scores.shape[-1]))
        return {row: ranked[r * steps: r * steps + len(orders[row])] for r, row in enumerate(rows)}

    def rank(self, removals: list[frozenset[int]], item: int) -> list[tuple[int | None, float]]:
        """(rank, score) of `item` after each removal, re-scoring only removals not seen before."""
        return self.rank_pairs([(removal, item) for removal in removals])

    def rank_pairs(self, pairs: list[tuple[frozenset[int], int]]) -> list[tuple[int | None, float]]:
        """(rank, score) of each (removal, item) pair, all in one vectorised step."""
        if not pairs:
            return []
        self.prefetch([removal for removal, _ in pairs])
        rows = np.stack([self.scores[removal] for removal, _ in pairs])
        items = np.fromiter((item for _, item in pairs), dtype=np.int64, count=len(pairs))
        # removed items become rankable again unless they are outside the candidates
        allowed = np.repeat(self.allowed[None, :], len(pairs), axis=0)
        pair_of = np.repeat(np.arange(len(pairs)), [len(removal) for removal, _ in pairs])
        removed = np.fromiter(chain.from_iterable(removal for removal, _ in pairs), dtype=np.int64, count=len(pair_of))
        allowed[pair_of, removed] = self.rankable_again[removed]
        return _ranked(rows, items, allowed)


def _ranked(scores: np.ndarray, items: np.ndarray, allowed: np.ndarray) -> list[tuple[int | None, float]]:
    """(rank, score) of ``items[p]`` in each row ``scores[p]`` among its ``allowed`` items.

    The rank is the best the item can claim: one plus the items that beat it by more than `MARGIN` (of the
    row's largest finite score magnitude), so an item tied with the k-th, or within rounding of it, is not out.
    """
    rows = np.arange(len(items))
    own = scores[rows, items]
    finite = np.where(np.isfinite(scores) & allowed, np.abs(scores), 0.0)
    margin = MARGIN * np.maximum(finite.max(axis=1), np.finfo(np.float32).tiny)
    ranks = np.count_nonzero((scores > (own + margin)[:, None]) & allowed, axis=1) + 1
    unrankable = ~allowed[rows, items] | ~np.isfinite(own)
    return [(None if bad else int(r), float(v)) for r, v, bad in zip(ranks, own, unrankable, strict=True)]
