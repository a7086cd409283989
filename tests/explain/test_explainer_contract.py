"""The Explainer contract (whyrec.testing) for the exact, terms and counterfactual explainers, on toy data."""

from __future__ import annotations

from types import MappingProxyType

from whyrec.models import ALS, EASE, ItemKNN, ItemTransitions
from whyrec.testing import ExplainerContract

# small, fast settings for the 40 x 20 block data (as in tests/models/test_contracts.py)
ALS_FAST = MappingProxyType({"embedding_size": 8, "regularization": 0.1, "alpha": 5.0})
EASE_FAST = MappingProxyType({"regularization": 5.0})
ITEMKNN_FAST = MappingProxyType({"n_neighbors": 10})


class TestExactOnLinearToy(ExplainerContract):
    method = "exact"
    additive = True


class TestExactOnEASE(ExplainerContract):
    method = "exact"
    model_class = EASE
    config = EASE_FAST
    additive = True


class TestExactOnItemKNN(ExplainerContract):
    method = "exact"
    model_class = ItemKNN
    config = ITEMKNN_FAST
    additive = True


class TestExactOnALS(ExplainerContract):
    method = "exact"
    model_class = ALS
    config = ALS_FAST
    additive = True


class TestExactOnItemTransitions(ExplainerContract):
    method = "exact"
    model_class = ItemTransitions
    additive = True


class TestTermsOnItemTransitions(ExplainerContract):
    method = "terms"
    model_class = ItemTransitions
    additive = True


class TestTermsOnALS(ExplainerContract):
    method = "terms"
    model_class = ALS
    config = ALS_FAST
    additive = True


class TestCounterfactualOnLinearToy(ExplainerContract):
    method = "counterfactual"


class TestCounterfactualOnEASE(ExplainerContract):
    method = "counterfactual"
    model_class = EASE
    config = EASE_FAST


class TestCounterfactualOnALS(ExplainerContract):
    method = "counterfactual"
    model_class = ALS
    config = ALS_FAST


class TestCounterfactualOnItemTransitions(ExplainerContract):
    """Retrain-verified: the refit's counts are exact (checked against real refits by the contract)."""

    method = "counterfactual"
    model_class = ItemTransitions
