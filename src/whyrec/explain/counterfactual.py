"""Counterfactuals: the smallest set of history items whose removal takes an item out of the top k.

The search is greedy in the order of an attribution (exact contributions when the model has them, else
leave-one-out score drops), and every claim is verified by re-scoring the edited history with the model.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.explain.base import ScoredHistory, excluded_mask, history_evidence, rank_in
from whyrec.explain.explanation import Counterfactual, ExplainMethod, Explanation
from whyrec.models.base import AdditiveScorer, EditScorer, Recommender

__all__ = ["CounterfactualExplainer", "history_attribution", "leave_one_out"]


def leave_one_out(model: Recommender, history: History, items: IndexArray, n_items: int) -> tuple[np.ndarray, np.ndarray]:
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


class CounterfactualExplainer:
    """Find, and verify by re-scoring, a minimal set of history items that keeps an item out of the top k.

    Args:
        dataset: ids and labels.
        k: the list length the item must fall out of.
        max_size: largest set tried; beyond it the explanation says ``verified=False``.
        top_n: evidence entries kept (the attribution that guided the search).
        candidates: items that may be recommended.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.COUNTERFACTUAL

    def __init__(self, dataset: Dataset, *, k: int = 10, max_size: int = 5, top_n: int | None = 5,
                 candidates: IndexArray | None = None) -> None:
        self.dataset = dataset
        self.k = k
        self.max_size = max_size
        self.top_n = top_n
        self.candidates = candidates

    def supports(self, model: Recommender) -> bool:
        """Every model can be re-scored."""
        return True

    def attribution(self, model: Recommender, history: History, items: IndexArray) -> tuple[np.ndarray, np.ndarray]:
        """(history_items, weights (len(items), m)) guiding the search."""
        hist_items, weights, _ = history_attribution(model, history, items, self.dataset.n_items)
        return hist_items, weights

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item, with its counterfactual and the attribution that guided it."""
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        items = np.asarray(items, dtype=np.int32)
        t0 = time.perf_counter()
        hist_items, weights = self.attribution(model, history, items)
        shared_ms = (time.perf_counter() - t0) * 1000 / max(1, len(items))
        edits = _EditCache(model, history, self.dataset.n_items, self.candidates)
        out = []
        for row, item in enumerate(items):
            t1 = time.perf_counter()
            found = self.search(edits, int(item), hist_items, weights[row])
            score = float(scored.scores[item])
            out.append(Explanation(
                user_id=history.user_id, item_id=self.dataset.items.id_of(int(item)), score=score,
                rank=scored.rank(int(item)), model=model.name, method=self.method,
                evidence=history_evidence(self.dataset, hist_items, weights[row], score, self.top_n),
                counterfactual=found, elapsed_ms=shared_ms + (time.perf_counter() - t1) * 1000,
            ))
        return out

    def search(self, edits: _EditCache, item: int, hist_items: np.ndarray, weights: np.ndarray) -> Counterfactual:
        """Greedy search over the top-weighted history items, then pruning; verified by re-scoring."""
        order = [int(j) for j in hist_items[np.argsort(-weights, kind="stable")][: self.max_size]]
        if not order:
            return Counterfactual(removed=(), new_rank=None, new_score=float("nan"), verified=False)
        prefixes = [frozenset(order[: s + 1]) for s in range(len(order))]
        results = edits.rank(prefixes, item)
        hit = next((s for s, (r, _) in enumerate(results) if r is None or r > self.k), None)
        if hit is None:
            rank, score = results[-1]
            return Counterfactual(removed=tuple(self.dataset.items.ids_of(order)), new_rank=rank, new_score=score,
                                  verified=False)
        chosen = order[: hit + 1]
        rank, score = results[hit]
        # the greedy order can over-shoot: drop members the set does not need, checking all at once
        if len(chosen) > 1:
            trials = [frozenset(j for j in chosen if j != member) for member in chosen[:-1]]
            for member, (r, s) in zip(chosen[:-1], edits.rank(trials, item), strict=True):
                if (r is None or r > self.k) and member in chosen:
                    reduced = [j for j in chosen if j != member]
                    ((r2, s2),) = edits.rank([frozenset(reduced)], item)
                    if r2 is None or r2 > self.k:
                        chosen, rank, score = reduced, r2, s2
        return Counterfactual(removed=tuple(self.dataset.items.ids_of(chosen)), new_rank=rank, new_score=score,
                              verified=True)


class _EditCache:
    """Scores of edited versions of one history, computed by the model in batches and reused across items."""

    def __init__(self, model: Recommender, history: History, n_items: int, candidates: IndexArray | None) -> None:
        self.model, self.history, self.n_items, self.candidates = model, history, n_items, candidates
        self.scores: dict[frozenset[int], tuple[np.ndarray, np.ndarray]] = {}
        self.fast = model.edits_of(history) if isinstance(model, EditScorer) else None

    def rank(self, removals: list[frozenset[int]], item: int) -> list[tuple[int | None, float]]:
        """(rank, score) of `item` after each removal, re-scoring only removals not seen before."""
        missing = list(dict.fromkeys(r for r in removals if r not in self.scores))
        if missing:
            edited = [self.history.without(r) for r in missing]
            if self.fast is not None:
                scores = self.fast(missing)
            else:
                scores = self.model.score(HistoryBatch.from_histories(edited, self.n_items))
            for removal, hist, row in zip(missing, edited, scores, strict=True):
                self.scores[removal] = (row, excluded_mask(self.n_items, hist.items, self.candidates))
        out = []
        for removal in removals:
            row, excluded = self.scores[removal]
            out.append((rank_in(row, item, excluded), float(row[item])))
        return out
