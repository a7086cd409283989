"""The contracts fail on models and explainers that break a promise (a contract that cannot fail checks nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from whyrec.data import Dataset, History, HistoryBatch
from whyrec.explain import Counterfactual, CounterfactualExplainer, ExactExplainer, Explanation
from whyrec.models.capabilities import Contributions
from whyrec.testing import ExplainerContract, LinearToyConfig, LinearToyModel, RecommenderContract, blocks


def contract(base: type, **attributes: Any) -> Any:
    """An instance of a contract subclass with these attributes (as a test module would declare it)."""
    return type("Checked", (base,), attributes)()


class ForgetsTheBaseline(LinearToyModel):
    def contributions(self, history: History, items: np.ndarray) -> Contributions:
        c = super().contributions(history, items)
        return Contributions(c.history_items, c.per_history, np.zeros_like(c.baseline))


class SavesInHalfPrecision(LinearToyModel):
    def state(self) -> dict[str, np.ndarray]:
        return {name: array.astype(np.float16) for name, array in super().state().items()}


class IgnoresTheSeed(LinearToyModel):
    def _fit(self, dataset: Dataset) -> None:
        super()._fit(dataset)
        self.popularity_ = self.popularity_ + np.random.default_rng().random(len(self.popularity_))


class KeepsSeenItems(LinearToyModel):
    def recommend(self, histories: HistoryBatch, k: int, **kwargs: Any) -> Any:
        return super().recommend(histories, k, **{**kwargs, "exclude_seen": False})


@pytest.fixture(scope="module")
def data() -> Dataset:
    return blocks()


def test_recommender_contract_catches_broken_models(data: Dataset, tmp_path: Path) -> None:
    checked = contract(RecommenderContract, model_class=ForgetsTheBaseline)
    with pytest.raises(AssertionError):
        checked.test_contributions_sum_to_the_score(data, checked.make_model().fit(data))
    checked = contract(RecommenderContract, model_class=SavesInHalfPrecision)
    with pytest.raises(AssertionError):
        checked.test_state_round_trip_is_exact(data, checked.make_model().fit(data), tmp_path)
    with pytest.raises(AssertionError):
        contract(RecommenderContract, model_class=IgnoresTheSeed).test_deterministic_with_seed(data)
    checked = contract(RecommenderContract, model_class=KeepsSeenItems)
    with pytest.raises(AssertionError):
        checked.test_exclude_seen_and_candidates(data, checked.make_model().fit(data))
    # and the honest model passes the same checks
    checked = contract(RecommenderContract, model_class=LinearToyModel)
    fitted = checked.make_model().fit(data)
    checked.test_contributions_sum_to_the_score(data, fitted)
    checked.test_state_round_trip_is_exact(data, fitted, tmp_path)
    checked.test_deterministic_with_seed(data)
    checked.test_exclude_seen_and_candidates(data, fitted)


class Edited:
    """An explainer whose explanations are edited after the fact (to break one promise at a time)."""

    def __init__(self, inner: Any, edit: Any) -> None:
        self.inner, self.edit, self.method = inner, edit, inner.method

    def explain(self, model: Any, history: History, items: np.ndarray) -> list[Explanation]:
        return self.edit(self.inner.explain(model, history, items))


def explainer_contract(method: str, inner: type, edit: Any, **attributes: Any) -> Any:
    def make_explainer(cls: type, dataset: Dataset) -> Edited:
        return Edited(inner(dataset, top_n=None, candidates=dataset.active_items), edit)

    return contract(ExplainerContract, method=method, make_explainer=classmethod(make_explainer), **attributes)


def no_baseline(out: list[Explanation]) -> list[Explanation]:
    return [e.model_copy(update={"baseline": 0.0}) for e in out]


def claims_an_empty_counterfactual(out: list[Explanation]) -> list[Explanation]:
    empty = Counterfactual(removed=(), new_rank=None, new_score=0.0, verified="rescored")
    return [e.model_copy(update={"counterfactual": empty}) for e in out]


def outside_the_history(out: list[Explanation]) -> list[Explanation]:
    return [e.model_copy(update={"evidence": tuple(ev.model_copy(update={"ref": "19"}) for ev in e.evidence)})
            for e in out]


@pytest.mark.parametrize(("edit", "check", "inner"), [
    (reversed, "test_one_explanation_per_item_in_order", ExactExplainer),
    (no_baseline, "test_additive_explanations_sum_to_the_score", ExactExplainer),
    (outside_the_history, "test_history_evidence_refers_to_history_items", ExactExplainer),
    (claims_an_empty_counterfactual, "test_verified_counterfactuals_drop_the_item", CounterfactualExplainer),
])
def test_explainer_contract_catches_broken_explainers(edit: Any, check: str, inner: type) -> None:
    method = inner.method.value
    broken = explainer_contract(method, inner, lambda out: list(edit(out)), additive=True)
    with pytest.raises(AssertionError):
        getattr(broken, check)(broken.explain_toy_lists())
    honest = explainer_contract(method, inner, lambda out: out, additive=inner is ExactExplainer)
    getattr(honest, check)(honest.explain_toy_lists())


@pytest.mark.parametrize("config", [{"baseline_weight": 0.25}, LinearToyConfig(baseline_weight=0.25)])
def test_config_and_seed_reach_the_model(config: Mapping[str, Any] | LinearToyConfig) -> None:
    checked = contract(RecommenderContract, model_class=LinearToyModel, config=config)
    assert (checked.make_model().config.baseline_weight, checked.make_model().config.seed) == (0.25, 0)
    assert checked.make_model(seed=7).config.seed == 7
