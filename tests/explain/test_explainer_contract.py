"""The Explainer contract (whyrec.testing) for the exact, terms and counterfactual explainers, on toy data."""

from __future__ import annotations

from whyrec.models import ALS, EASE, ItemKNN
from whyrec.testing import ExplainerContract

ALS_FAST = {"embedding_size": 8, "regularization": 0.1, "alpha": 5.0}


class TestExactOnLinearToy(ExplainerContract):
    method = "exact"
    additive = True


class TestExactOnEASE(ExplainerContract):
    method = "exact"
    model_class = EASE
    config = {"regularization": 5.0}
    additive = True


class TestExactOnItemKNN(ExplainerContract):
    method = "exact"
    model_class = ItemKNN
    config = {"n_neighbors": 10}
    additive = True


class TestExactOnALS(ExplainerContract):
    method = "exact"
    model_class = ALS
    config = ALS_FAST
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
    config = {"regularization": 5.0}


class TestCounterfactualOnALS(ExplainerContract):
    method = "counterfactual"
    model_class = ALS
    config = ALS_FAST
