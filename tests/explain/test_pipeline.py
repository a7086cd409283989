"""explain_list, the one explanation path, and the registry rules it reads (ml-100k, EASE)."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError, UnsupportedModelError
from whyrec.evaluate import Split
from whyrec.evaluate.calibration import Calibration, calibrate
from whyrec.explain.base import ScoredHistory, history_events, history_ratings, with_events
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer
from whyrec.explain.explanation import EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.explain.kg import KGExplainer
from whyrec.explain.pipeline import explain_list
from whyrec.explain.registry import (
    EXPLAINERS,
    api_methods,
    compared_methods,
    create_explainer,
    default_method,
    slow_methods,
)
from whyrec.explain.text import realize
from whyrec.explain.trust import trust_of
from whyrec.models import EASE
from whyrec.models.popular import MostPopular

K = 10
USER = "196"


@pytest.fixture(scope="module")
def synthetic_small() -> Dataset:
    dataset, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=1).load()
    return dataset


@pytest.fixture(scope="module")
def calibration(ml100k_split: Split, ease: EASE) -> Calibration:
    return calibrate(ease, ml100k_split, k=K)


def _top(fit: Dataset, model: EASE | MostPopular, user: str = USER) -> tuple[History, np.ndarray]:
    history = fit.history(user)
    batch = HistoryBatch.from_histories([history], fit.n_items)
    items = model.recommend(batch, K, candidates=fit.active_items).items[0]
    return history, items[items >= 0]


def test_default_is_exact_plus_verified_counterfactual_trust_and_template_reason(
        fit: Dataset, ease: EASE, calibration: Calibration) -> None:
    history, items = _top(fit, ease)
    made = explain_list(ease, history, items, dataset=fit, calibration=calibration, candidates=fit.active_items, k=K,
                        top_n=5)
    scored = ScoredHistory(ease, history, fit.n_items, fit.active_items)
    exact = ExactExplainer(fit, top_n=5, candidates=fit.active_items).explain(ease, history, items, scored)
    cfs = CounterfactualExplainer(fit, k=K, candidates=fit.active_items).explain(ease, history, items, scored)
    assert [e.method for e in made] == [ExplainMethod.EXACT] * len(items)
    for e, x, c in zip(made, exact, cfs, strict=True):
        evidence = with_events(x.evidence, history_events(fit, history), history_ratings(fit, history))
        assert (e.item_id, e.rank, e.evidence, e.baseline) == (x.item_id, x.rank, evidence, x.baseline)
        assert {v.event for v in e.evidence} == {"rating"}  # ml-100k logs ratings
        assert all(v.rating in (1.0, 2.0, 3.0, 4.0, 5.0) for v in e.evidence)  # with their stars
        assert e.counterfactual == c.counterfactual
        expected = trust_of(e, calibration.calibrator, history_size=len(np.unique(history.items)),
                            horizon=calibration.horizon)
        assert e.trust == expected and e.trust.confidence is not None
        assert e.trust.counterfactual_verified == (c.counterfactual.verified is not None)
        assert e.reason == realize(e.model_copy(update={"reason": None}), fit.catalog, Lang.EN)


def test_without_calibration_confidence_is_unknown(fit: Dataset, ease: EASE) -> None:
    history, items = _top(fit, ease)
    made = explain_list(ease, history, items[:3], dataset=fit, candidates=fit.active_items, k=K, lang=Lang.ZH)
    assert all(e.trust is not None and e.trust.confidence is None for e in made)
    assert all(e.reason is not None and e.reason.lang == Lang.ZH for e in made)


def test_counterfactual_method_is_not_searched_twice(fit: Dataset, ease: EASE) -> None:
    history, items = _top(fit, ease)
    made = explain_list(ease, history, items[:3], dataset=fit, method="counterfactual",
                        candidates=fit.active_items, k=K)
    alone = CounterfactualExplainer(fit, k=K, candidates=fit.active_items).explain(ease, history, items[:3])
    assert [e.method for e in made] == [ExplainMethod.COUNTERFACTUAL] * 3
    events, ratings = history_events(fit, history), history_ratings(fit, history)
    assert [(e.evidence, e.counterfactual) for e in made] == [(with_events(a.evidence, events, ratings),
                                                               a.counterfactual) for a in alone]


def test_default_falls_back_to_counterfactual_for_models_without_contributions(fit: Dataset) -> None:
    pop = MostPopular().fit(fit)
    history, items = _top(fit, pop)
    assert default_method(pop) == ExplainMethod.COUNTERFACTUAL
    made = explain_list(pop, history, items[:2], dataset=fit, candidates=fit.active_items, k=K)
    assert [e.method for e in made] == [ExplainMethod.COUNTERFACTUAL] * 2
    with pytest.raises(UnsupportedModelError):
        explain_list(pop, history, items[:2], dataset=fit, method="exact", candidates=fit.active_items, k=K)


def test_a_method_not_offered_is_refused_with_the_offered_ones(fit: Dataset, ease: EASE) -> None:
    history, items = _top(fit, ease)
    with pytest.raises(ConfigError, match="not offered by the service") as raised:
        explain_list(ease, history, items, dataset=fit, method="shap", offered=api_methods(), offered_by="the service")
    assert raised.value.allowed == ("exact", "counterfactual", "attribute", "kg")
    with pytest.raises(ConfigError, match="unknown explanation method 'nope'"):
        explain_list(ease, history, items, dataset=fit, method="nope")


def test_a_popularity_list_is_explained_by_popularity(fit: Dataset, ease: EASE) -> None:
    counts = fit.item_user_counts.astype(np.float32)
    empty = History.of_items([])
    order = np.argsort(-counts[fit.active_items], kind="stable")
    items = fit.active_items[order[:3]]
    made = explain_list(ease, empty, items, dataset=fit, popularity=counts, candidates=fit.active_items)
    assert [e.method for e in made] == [ExplainMethod.POPULARITY] * 3
    assert [e.rank for e in made] == [1, 2, 3]
    assert [e.evidence[0].weight for e in made] == [float(counts[i]) for i in items]
    assert all(e.evidence[0].kind == EvidenceKind.POPULARITY and e.reason is not None for e in made)


def test_registry_rules_come_from_the_classes() -> None:
    assert api_methods() == (ExplainMethod.EXACT, ExplainMethod.COUNTERFACTUAL, ExplainMethod.ATTRIBUTE,
                             ExplainMethod.KG)
    assert slow_methods() == (ExplainMethod.SHAP, ExplainMethod.LIME)
    assert compared_methods() == (ExplainMethod.EXACT, ExplainMethod.COUNTERFACTUAL, ExplainMethod.SHAP,
                                  ExplainMethod.LIME, ExplainMethod.RANDOM, ExplainMethod.RECENT,
                                  ExplainMethod.TEXT_SIMILARITY)
    assert set(EXPLAINERS) == set(ExplainMethod) - {ExplainMethod.POPULARITY}
    assert all(cls.method == method for method, cls in EXPLAINERS.items())


def test_kg_says_which_datasets_it_supports(fit: Dataset, synthetic_small: Dataset) -> None:
    assert KGExplainer.supports_dataset(fit)
    assert not KGExplainer.supports_dataset(synthetic_small)
    with pytest.raises(ConfigError, match=r"knowledge graph.*ml-100k only"):
        create_explainer(ExplainMethod.KG, synthetic_small)


class _Shown(ScoredHistory):
    """The ranks a caller shows (as the service does): every item at rank 42."""

    def rank(self, item: int) -> int:
        return 42


@pytest.mark.parametrize("method", [m for m in EXPLAINERS if not EXPLAINERS[m].slow
                                    and m not in (ExplainMethod.TEXT_SIMILARITY, ExplainMethod.ATTENTION,
                                                  ExplainMethod.INTEGRATED_GRADIENTS)])
def test_every_explainer_takes_the_callers_scored_history(fit: Dataset, ease: EASE, method: ExplainMethod) -> None:
    history, items = _top(fit, ease)
    shown = _Shown(ease, history, fit.n_items, fit.active_items)
    made: list[Explanation] = create_explainer(method, fit, candidates=fit.active_items).explain(
        ease, history, items[:2], shown)
    assert [e.rank for e in made] == [42, 42] and all(e.method == method for e in made)
    assert all(e.elapsed_ms > 0 for e in made)
