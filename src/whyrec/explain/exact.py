"""Exact attributions for models whose score decomposes over the history (ItemKNN, EASE, ALS).

- ``exact``: each history item's weight is what removing it does to the score, computed exactly. For EASE and
  ItemKNN (linear in the history) that is its term and the weights sum to the score. For ALS the items
  interact through the fold-in, so the weights are measured removal effects (the strongest few removed one
  after another) and the baseline holds the part of the score they share.
- ``terms``: the model's own additive terms, which sum to the score with nothing left over: for ALS the
  section-5 decomposition of Hu, Koren & Volinsky (2008); for linear models the same as ``exact``.
"""

from __future__ import annotations

from typing import ClassVar

from whyrec._types import IndexArray
from whyrec.data.history import History
from whyrec.explain.base import BaseExplainer, ItemEvidence, ScoredHistory, history_evidence
from whyrec.explain.explanation import ExplainMethod
from whyrec.models.base import Recommender
from whyrec.models.capabilities import AdditiveScorer, Contributions, TermScorer

__all__ = ["ExactExplainer", "TermsExplainer"]


class ExactExplainer(BaseExplainer[Contributions]):
    """Each history item's exact effect on the score: with the baseline, the weights sum to the score.

    Knobs (`ExplainerConfig`): ``top_n`` evidence entries kept per explanation (None = all, which makes the sum
    identity checkable from the object alone) and ``candidates`` (for ranks).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.EXACT
    needs: ClassVar[type] = AdditiveScorer
    needs_text: ClassVar[str] = "exact contributions (AdditiveScorer)"
    served: ClassVar[bool] = True
    compared: ClassVar[bool] = True

    def attribute(self, model: Recommender, history: History, items: IndexArray,
                  scored: ScoredHistory) -> Contributions:
        """The contributions of every history item to every explained item."""
        assert isinstance(model, AdditiveScorer)  # checked by explain()
        return self.contributions(model, history, items)

    def describe(self, state: Contributions, row: int, item: int, score: float) -> ItemEvidence:
        """The contributions to this item; its score is their sum with the baseline."""
        weights = state.per_history[row]
        total = float(state.baseline[row] + weights.sum())
        return ItemEvidence(evidence=history_evidence(self.dataset, state.history_items, weights, total, self.top_n),
                            baseline=float(state.baseline[row]),
                            complete=self.top_n is None or self.top_n >= len(weights), score=total)

    def contributions(self, model: AdditiveScorer, history: History, items: IndexArray) -> Contributions:
        """The model's contributions (removal effects)."""
        return model.contributions(history, items)


class TermsExplainer(ExactExplainer):
    """The model's own additive terms: they sum to the score with a zero baseline (ALS: Hu et al., section 5).

    For models linear in the history this equals ``exact``. For ALS a term is not what removing its item
    does, so its evidence names the items that matter less reliably (compare both in ``explain-eval``).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.TERMS
    served: ClassVar[bool] = False
    compared: ClassVar[bool] = False

    def contributions(self, model: AdditiveScorer, history: History, items: IndexArray) -> Contributions:
        """The model's additive terms, or its contributions where those are its terms."""
        return model.additive_terms(history, items) if isinstance(model, TermScorer) else model.contributions(
            history, items)
