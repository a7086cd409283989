"""Explainer names -> classes: the only place where method names are strings."""

from __future__ import annotations

from typing import Any

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.errors import ConfigError
from whyrec.explain.agnostic import KernelShapExplainer, LimeExplainer, RandomExplainer, RecentExplainer
from whyrec.explain.attention import AttentionExplainer
from whyrec.explain.attributes import AttributeExplainer
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer, TermsExplainer
from whyrec.explain.gradients import IntegratedGradientsExplainer
from whyrec.explain.kg import KGExplainer, load_ml100k_kg
from whyrec.explain.similarity import TextSimilarityExplainer

__all__ = ["EXPLAINERS", "create_explainer"]

EXPLAINERS: dict[str, type[Any]] = {
    "exact": ExactExplainer,
    "terms": TermsExplainer,
    "counterfactual": CounterfactualExplainer,
    "shap": KernelShapExplainer,
    "lime": LimeExplainer,
    "random": RandomExplainer,
    "recent": RecentExplainer,
    "text_similarity": TextSimilarityExplainer,
    "attention": AttentionExplainer,
    "ig": IntegratedGradientsExplainer,
    "attribute": AttributeExplainer,
    "kg": KGExplainer,
}


def create_explainer(method: str, dataset: Dataset, *, candidates: IndexArray | None = None,
                     top_n: int | None = 5, k: int = 10) -> Any:
    """A new explainer by method name.

    Raises:
        ConfigError: unknown method (the message lists the valid ones).
    """
    if method not in EXPLAINERS:
        raise ConfigError(f"unknown explanation method {method!r}; valid methods: {', '.join(EXPLAINERS)}.",
                          field="method", allowed=tuple(EXPLAINERS))
    if method == "kg":
        if not dataset.name.startswith("ml-100k"):
            raise ConfigError(f"--method kg needs a knowledge graph; whyrec ships one for ml-100k only, not for "
                              f"{dataset.name!r}.", field="method")
        return KGExplainer(dataset, load_ml100k_kg(), candidates=candidates, top_n=top_n)
    if method == "counterfactual":
        return CounterfactualExplainer(dataset, k=k, candidates=candidates, top_n=top_n)
    return EXPLAINERS[method](dataset, candidates=candidates, top_n=top_n)
