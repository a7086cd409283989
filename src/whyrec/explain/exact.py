"""Exact additive attributions for models whose score is linear in the history (ItemKNN, EASE, ALS)."""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ScoredHistory, UnsupportedModelError, history_evidence
from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.models.base import AdditiveScorer, Recommender

__all__ = ["ExactExplainer"]


class ExactExplainer:
    """Each history item's exact share of the score: contributions sum to the score (to float precision).

    Args:
        dataset: supplies ids and labels.
        top_n: evidence entries kept per explanation (None = all, which makes the sum identity checkable
            from the object alone).
        candidates: items that may be recommended (for ranks).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.EXACT

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None) -> None:
        self.dataset = dataset
        self.top_n = top_n
        self.candidates = candidates

    def supports(self, model: Recommender) -> bool:
        """True for models that expose exact contributions."""
        return isinstance(model, AdditiveScorer)

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item, in the order given."""
        if not isinstance(model, AdditiveScorer):
            raise UnsupportedModelError(self.method, model.name, "exact contributions (AdditiveScorer)")
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        started = time.perf_counter()
        contributions = model.contributions(history, np.asarray(items, dtype=np.int32))
        share_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
        out = []
        for row, item in enumerate(items):
            t0 = time.perf_counter()
            weights = contributions.per_history[row]
            score = float(contributions.baseline[row] + weights.sum())
            evidence = history_evidence(self.dataset, contributions.history_items, weights, score, self.top_n)
            out.append(Explanation(
                user_id=history.user_id, item_id=self.dataset.items.id_of(int(item)), score=score,
                rank=scored.rank(int(item)), model=model.name, method=self.method, evidence=evidence,
                baseline=float(contributions.baseline[row]),
                complete=self.top_n is None or self.top_n >= len(weights),
                elapsed_ms=share_ms + (time.perf_counter() - t0) * 1000,
            ))
        return out
