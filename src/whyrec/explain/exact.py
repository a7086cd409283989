"""Exact attributions for models whose score decomposes over the history (ItemKNN, EASE, ALS).

- ``exact``: each history item's weight is what removing it does to the score, computed exactly. For EASE and
  ItemKNN (linear in the history) that is its term and the weights sum to the score. For ALS the items
  interact through the fold-in, so the weights are measured removal effects (the strongest few removed one
  after another) and the baseline holds the part of the score they share.
- ``terms``: the model's own additive terms, which sum to the score with nothing left over: for ALS the
  section-5 decomposition of Hu, Koren & Volinsky (2008); for linear models the same as ``exact``.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ScoredHistory, UnsupportedModelError, history_evidence
from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.models.base import AdditiveScorer, Contributions, Recommender, TermScorer

__all__ = ["ExactExplainer", "TermsExplainer"]


class ExactExplainer:
    """Each history item's exact effect on the score: with the baseline, the weights sum to the score.

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
        contributions = self.contributions(model, history, np.asarray(items, dtype=np.int32))
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

    def contributions(self, model: AdditiveScorer, history: History, items: IndexArray) -> Contributions:
        """The model's contributions (removal effects)."""
        return model.contributions(history, items)


class TermsExplainer(ExactExplainer):
    """The model's own additive terms: they sum to the score with a zero baseline (ALS: Hu et al., section 5).

    For models linear in the history this equals ``exact``. For ALS a term is not what removing its item
    does, so its evidence names the items that matter less reliably (compare both in ``explain-eval``).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.TERMS

    def contributions(self, model: AdditiveScorer, history: History, items: IndexArray) -> Contributions:
        """The model's additive terms, or its contributions where those are its terms."""
        return model.additive_terms(history, items) if isinstance(model, TermScorer) else model.contributions(
            history, items)
