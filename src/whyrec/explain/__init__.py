"""Explanations: typed evidence, exact and model-agnostic explainers, verified counterfactuals."""

from whyrec.explain.base import BaseExplainer, Explainer, ExplainerConfig, ScoredHistory
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer, TermsExplainer
from whyrec.explain.explanation import (
    Counterfactual,
    Evidence,
    EvidenceKind,
    ExplainMethod,
    Explanation,
    Lang,
    Reason,
    TextSource,
    Trust,
)

__all__ = [
    "BaseExplainer",
    "Counterfactual",
    "CounterfactualExplainer",
    "Evidence",
    "EvidenceKind",
    "ExactExplainer",
    "ExplainMethod",
    "Explainer",
    "ExplainerConfig",
    "Explanation",
    "Lang",
    "Reason",
    "ScoredHistory",
    "TermsExplainer",
    "TextSource",
    "Trust",
]
