"""Model-agnostic baselines over history items: KernelSHAP (shap), LIME (lime), random and most recent.

SHAP and LIME see the model only through re-scoring histories with items masked out, so they work for any
model and cost many model calls; they are here for comparison with the exact and attention methods.
"""

from __future__ import annotations

import time
import warnings
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ScoredHistory, history_evidence
from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.explain.masking import MaskedScorer
from whyrec.models.base import Recommender

__all__ = ["HistoryExplainer", "KernelShapExplainer", "LimeExplainer", "RecentExplainer", "RandomExplainer"]


class HistoryExplainer(ABC):
    """Shared plumbing: score once, compute (len(items), n_features) weights, wrap them as evidence."""

    method: ClassVar[ExplainMethod]

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None) -> None:
        self.dataset = dataset
        self.top_n = top_n
        self.candidates = candidates

    def supports(self, model: Recommender) -> bool:
        """Works with any model."""
        return True

    @abstractmethod
    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        """((len(items), n_features) weights, (len(items),) baselines)."""

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item."""
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        scorer = MaskedScorer(model, history, items, self.dataset.n_items)
        started = time.perf_counter()
        weights, baselines = self.weights(scorer, history)
        per_item_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
        out = []
        for row, item in enumerate(items):
            score = float(scored.scores[item])
            out.append(Explanation(
                user_id=history.user_id, item_id=self.dataset.items.id_of(int(item)), score=score,
                rank=scored.rank(int(item)), model=model.name, method=self.method,
                evidence=history_evidence(self.dataset, scorer.features, weights[row], score, self.top_n),
                baseline=float(baselines[row]), elapsed_ms=per_item_ms,
            ))
        return out


class KernelShapExplainer(HistoryExplainer):
    """KernelSHAP (Lundberg & Lee, 2017) over history items, via the `shap` library.

    Background: the empty history. Args beyond the base: ``n_samples`` (None = shap's default,
    ``2 * n_features + 2048``).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.SHAP

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None,
                 n_samples: int | None = None, seed: int = 0) -> None:
        super().__init__(dataset, top_n=top_n, candidates=candidates)
        self.n_samples = n_samples
        self.seed = seed

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        import shap

        m = len(scorer.features)
        np.random.seed(self.seed)  # shap's sampler draws from numpy's global generator
        explainer = shap.KernelExplainer(scorer, np.zeros((1, m)))
        kwargs = {"silent": True} if self.n_samples is None else {"nsamples": self.n_samples, "silent": True}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = explainer.shap_values(np.ones((1, m)), **kwargs)
        values = np.asarray(values)  # (1, m, n_outputs) in shap >= 0.45
        per_item = values[0].T if values.ndim == 3 else values.reshape(m, -1).T
        return per_item, np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64))


class LimeExplainer(HistoryExplainer):
    """LIME (Ribeiro et al., 2016) over history items, via the `lime` library's weighted linear fit.

    One neighbourhood of random masks (lime's default size, 5000) is scored once and shared by all explained
    items; each item gets its own local linear model (``lime.lime_base.LimeBase``).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.LIME

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None,
                 n_samples: int = 5000, seed: int = 0) -> None:
        super().__init__(dataset, top_n=top_n, candidates=candidates)
        self.n_samples = n_samples
        self.seed = seed

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        from lime.lime_base import LimeBase

        m = len(scorer.features)
        rng = np.random.default_rng(self.seed)
        masks = (rng.random((self.n_samples, m)) < rng.random((self.n_samples, 1))).astype(np.float64)
        masks[0] = 1.0  # the instance itself comes first, as lime expects
        outputs = scorer(masks)
        distances = np.sqrt(((1.0 - masks) ** 2).sum(1)) / np.sqrt(m)  # cosine-like distance to the instance
        width = 0.75 * np.sqrt(m) / np.sqrt(m)  # lime's default kernel width, on the normalised distance

        def kernel(d: np.ndarray) -> np.ndarray:
            return np.sqrt(np.exp(-(d ** 2) / width ** 2))

        base = LimeBase(kernel, random_state=self.seed)
        weights = np.zeros((outputs.shape[1], m))
        intercepts = np.zeros(outputs.shape[1])
        for out in range(outputs.shape[1]):
            intercept, features, _, _ = base.explain_instance_with_data(
                masks, outputs, distances, out, num_features=m, feature_selection="none")
            for feature, value in features:
                weights[out, feature] = value
            intercepts[out] = intercept
        return weights, intercepts


class RandomExplainer(HistoryExplainer):
    """Baseline: random history items with equal weight (a fidelity floor)."""

    method: ClassVar[ExplainMethod] = ExplainMethod.RANDOM

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None,
                 seed: int = 0) -> None:
        super().__init__(dataset, top_n=top_n, candidates=candidates)
        self.rng = np.random.default_rng(seed)

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        m = len(scorer.features)
        return self.rng.random((len(scorer.items), m)), np.zeros(len(scorer.items))


class RecentExplainer(HistoryExplainer):
    """Baseline: the most recent history items first ("because you just looked at...")."""

    method: ClassVar[ExplainMethod] = ExplainMethod.RECENT

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        last_seen = np.zeros(len(scorer.features))
        position = np.searchsorted(scorer.features, history.items)
        last_seen[position] = np.arange(1, len(history.items) + 1)  # later events overwrite earlier ones
        recency = last_seen / max(1, len(history.items))
        return np.tile(recency, (len(scorer.items), 1)), np.zeros(len(scorer.items))
