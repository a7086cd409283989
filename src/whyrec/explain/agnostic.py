"""Model-agnostic baselines over history items: KernelSHAP (shap), LIME (lime), random and most recent.

SHAP and LIME see the model only through re-scoring histories with items masked out, so they work for any
model and cost many model calls; they are here for comparison with the exact and attention methods.
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ExplainerConfig, HistoryWeights, HistoryWeightsExplainer, ScoredHistory
from whyrec.explain.explanation import ExplainMethod
from whyrec.explain.masking import MaskedScorer
from whyrec.models.base import Recommender

__all__ = ["KernelShapExplainer", "LimeExplainer", "MaskedExplainer", "RandomExplainer", "RecentExplainer",
           "SamplingConfig"]


@dataclass(frozen=True)
class SamplingConfig(ExplainerConfig):
    """Knobs of the sampling methods.

    Attributes:
        n_samples: masks scored (None = the library's default).
        seed: the sampler's seed.
    """

    n_samples: int | None = None
    seed: int = 0


class MaskedExplainer(HistoryWeightsExplainer):
    """Explainers that see the model only through re-scoring the history with items masked out."""

    def attribute(self, model: Recommender, history: History, items: IndexArray,
                  scored: ScoredHistory) -> HistoryWeights:
        """The (len(items), n_features) weights over the distinct history items."""
        scorer = MaskedScorer(model, history, items, self.dataset.n_items)
        weights, baselines = self.weights(scorer, history)
        return HistoryWeights(scorer.features, weights, baselines)

    @abstractmethod
    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        """((len(items), n_features) weights, (len(items),) baselines)."""


class KernelShapExplainer(MaskedExplainer):
    """KernelSHAP (Lundberg & Lee, 2017) over history items, via the `shap` library.

    Background: the empty history. ``n_samples`` (None = shap's default, ``2 * n_features + 2048``).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.SHAP
    config: SamplingConfig
    config_type: ClassVar[type[ExplainerConfig]] = SamplingConfig
    slow: ClassVar[bool] = True
    compared: ClassVar[bool] = True

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        import shap

        m = len(scorer.features)
        np.random.seed(self.config.seed)  # shap's sampler draws from numpy's global generator
        explainer = shap.KernelExplainer(scorer, np.zeros((1, m)))
        n_samples = self.config.n_samples
        kwargs = {"silent": True} if n_samples is None else {"nsamples": n_samples, "silent": True}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = explainer.shap_values(np.ones((1, m)), **kwargs)
        values = np.asarray(values)  # (1, m, n_outputs) in shap >= 0.45
        per_item = values[0].T if values.ndim == 3 else values.reshape(m, -1).T
        return per_item, np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64))


class LimeExplainer(MaskedExplainer):
    """LIME (Ribeiro et al., 2016) over history items, via the `lime` library's weighted linear fit.

    One neighbourhood of random masks (``n_samples``, default lime's 5000) is scored once and shared by all explained
    items; each item gets its own local linear model (``lime.lime_base.LimeBase``).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.LIME
    config: SamplingConfig
    config_type: ClassVar[type[ExplainerConfig]] = SamplingConfig
    slow: ClassVar[bool] = True
    compared: ClassVar[bool] = True
    default_samples: ClassVar[int] = 5000

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        from lime.lime_base import LimeBase

        m = len(scorer.features)
        n_samples = self.config.n_samples or self.default_samples
        rng = np.random.default_rng(self.config.seed)
        masks = (rng.random((n_samples, m)) < rng.random((n_samples, 1))).astype(np.float64)
        masks[0] = 1.0  # the instance itself comes first, as lime expects
        outputs = scorer(masks)
        distances = np.sqrt(((1.0 - masks) ** 2).sum(1)) / np.sqrt(m)  # cosine-like distance to the instance
        width = 0.75 * np.sqrt(m) / np.sqrt(m)  # lime's default kernel width, on the normalised distance

        def kernel(d: np.ndarray) -> np.ndarray:
            similarity: np.ndarray = np.sqrt(np.exp(-(d ** 2) / width ** 2))
            return similarity

        base = LimeBase(kernel, random_state=self.config.seed)
        weights = np.zeros((outputs.shape[1], m))
        intercepts = np.zeros(outputs.shape[1])
        for out in range(outputs.shape[1]):
            intercept, features, _, _ = base.explain_instance_with_data(
                masks, outputs, distances, out, num_features=m, feature_selection="none")
            for feature, value in features:
                weights[out, feature] = value
            intercepts[out] = intercept
        return weights, intercepts


class RandomExplainer(MaskedExplainer):
    """Baseline: random history items with equal weight (a fidelity floor)."""

    method: ClassVar[ExplainMethod] = ExplainMethod.RANDOM
    config: SamplingConfig
    config_type: ClassVar[type[ExplainerConfig]] = SamplingConfig
    compared: ClassVar[bool] = True

    def __init__(self, dataset: Dataset, config: ExplainerConfig | None = None, /, **knobs: object) -> None:
        super().__init__(dataset, config, **knobs)
        self.rng = np.random.default_rng(self.config.seed)

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        m = len(scorer.features)
        return self.rng.random((len(scorer.items), m)), np.zeros(len(scorer.items))


class RecentExplainer(MaskedExplainer):
    """Baseline: the most recent history items first ("because you just looked at...")."""

    method: ClassVar[ExplainMethod] = ExplainMethod.RECENT
    compared: ClassVar[bool] = True

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        last_seen = np.zeros(len(scorer.features))
        position = np.searchsorted(scorer.features, history.items)
        last_seen[position] = np.arange(1, len(history.items) + 1)  # later events overwrite earlier ones
        recency = last_seen / max(1, len(history.items))
        return np.tile(recency, (len(scorer.items), 1)), np.zeros(len(scorer.items))
