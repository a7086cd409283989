"""Explanation methods -> explainer classes, and what each class says about itself.

Methods are keyed by :class:`~whyrec.explain.explanation.ExplainMethod`; the rules "which method by
default", "which methods the API offers", "which are slow" and "which explain-eval compares" are read from
the classes' flags here, so no other module lists method names.
"""

from __future__ import annotations

from typing import Any

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.errors import ConfigError
from whyrec.explain.agnostic import KernelShapExplainer, LimeExplainer, RandomExplainer, RecentExplainer
from whyrec.explain.attention import AttentionExplainer
from whyrec.explain.attributes import AttributeExplainer
from whyrec.explain.base import BaseExplainer
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer, TermsExplainer
from whyrec.explain.explanation import ExplainMethod
from whyrec.explain.gradients import IntegratedGradientsExplainer
from whyrec.explain.kg import KGExplainer
from whyrec.explain.similarity import TextSimilarityExplainer
from whyrec.models.base import Recommender

__all__ = ["DEFAULT_METHODS", "EXPLAINERS", "api_methods", "compared_methods", "create_explainer", "default_method",
           "explain_method", "method_names", "slow_methods"]

EXPLAINERS: dict[ExplainMethod, type[BaseExplainer[Any]]] = {cls.method: cls for cls in (
    ExactExplainer, TermsExplainer, CounterfactualExplainer, KernelShapExplainer, LimeExplainer, RandomExplainer,
    RecentExplainer, TextSimilarityExplainer, AttentionExplainer, IntegratedGradientsExplainer, AttributeExplainer,
    KGExplainer,
)}
#: The default method is the first of these the model supports (the last one supports every model).
DEFAULT_METHODS = (ExactExplainer, CounterfactualExplainer)


def method_names() -> tuple[str, ...]:
    """Every method's name, in the registry's order."""
    return tuple(m.value for m in EXPLAINERS)


def api_methods() -> tuple[ExplainMethod, ...]:
    """The methods the API offers (the others take seconds per list, or are baselines)."""
    return tuple(m for m, cls in EXPLAINERS.items() if cls.served)


def slow_methods() -> tuple[ExplainMethod, ...]:
    """The methods that take seconds per list (thousands of model calls)."""
    return tuple(m for m, cls in EXPLAINERS.items() if cls.slow)


def compared_methods() -> tuple[ExplainMethod, ...]:
    """The methods ``whyrec explain-eval`` measures by default."""
    return tuple(m for m, cls in EXPLAINERS.items() if cls.compared)


def default_method(model: Recommender) -> ExplainMethod:
    """The method used when none is asked: exact when the model supports it, else counterfactual."""
    return next(cls.method for cls in DEFAULT_METHODS if cls.supports_model(model))


def explain_method(name: str | ExplainMethod, *, offered: tuple[ExplainMethod, ...] | None = None,
                   where: str = "", field: str = "method") -> ExplainMethod:
    """The method called `name`.

    Args:
        name: a method name.
        offered: the methods allowed here (default: every method).
        where: who offers them, for the message (``"the service"``).
        field: the parameter's name, for the error.

    Raises:
        ConfigError: unknown or not offered here (the message lists the valid ones).
    """
    allowed = tuple(EXPLAINERS) if offered is None else offered
    names = tuple(m.value for m in allowed)
    if name not in names:
        what = f"method {name!r} is not offered by {where}" if where else f"unknown explanation method {name!r}"
        raise ConfigError(f"{what}; valid methods: {', '.join(names)}.", field=field, allowed=names)
    return ExplainMethod(name)


def create_explainer(method: str | ExplainMethod, dataset: Dataset, *, candidates: IndexArray | None = None,
                     top_n: int | None = 5, k: int = 10) -> BaseExplainer[Any]:
    """A new explainer by method name.

    Raises:
        ConfigError: unknown method (the message lists the valid ones), or one that cannot explain models
            fitted on `dataset` (e.g. a knowledge-graph method without a graph).
    """
    cls = EXPLAINERS[explain_method(method)]
    if not cls.supports_dataset(dataset):
        raise ConfigError(cls.dataset_requirement(dataset), field="method")
    return cls(dataset, top_n=top_n, candidates=candidates, k=k)
