"""Exact attributions sum to the score; counterfactuals verified by re-scoring hold when re-scored (ml-100k).

Retrain-verified counterfactuals are checked against real refits in test_retrain_counterfactual.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from whyrec.data import Dataset, HistoryBatch
from whyrec.errors import UnsupportedModelError
from whyrec.evaluate import Split
from whyrec.explain import (
    CounterfactualExplainer,
    ExactExplainer,
    Explanation,
    ScoredHistory,
    TermsExplainer,
)
from whyrec.models import ALS, EASE, ItemKNN, MostPopular

USERS = 40  # the 200-user acceptance run lives in benchmarks/explain.py


@pytest.fixture(scope="module", params=["ease", "als", "itemknn"])
def fitted(request: pytest.FixtureRequest, ml100k_split: Split):
    cls = {"ease": EASE, "als": ALS, "itemknn": ItemKNN}[request.param]
    return cls().fit(ml100k_split.fit)


def top10(model, fit: Dataset, user: str):
    history = fit.history(user)
    recs = model.recommend(HistoryBatch.from_histories([history], fit.n_items), 10, candidates=fit.active_items)
    return history, recs.items[0]


def test_exact_contributions_sum_to_the_score(fitted, ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    explainer = ExactExplainer(fit, top_n=None, candidates=fit.active_items)
    for user in fit.users.ids_of(fit.active_users[:USERS]):
        history, items = top10(fitted, fit, user)
        scored = ScoredHistory(fitted, history, fit.n_items, fit.active_items)
        explained = explainer.explain(fitted, history, items, scored)
        for rank, (item, explanation) in enumerate(zip(items, explained, strict=True), 1):
            assert explanation.complete and explanation.rank == rank
            total = explanation.baseline + sum(e.weight for e in explanation.evidence)
            assert total == pytest.approx(float(scored.scores[item]), abs=1e-5)
            assert {e.ref for e in explanation.evidence} <= set(fit.items.ids_of(history.items))


def test_counterfactuals_are_verified_by_rescoring(fitted, ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    explainer = CounterfactualExplainer(fit, k=10, candidates=fit.active_items, retrain=False)
    verified = total = 0
    for user in fit.users.ids_of(fit.active_users[:USERS]):
        history, items = top10(fitted, fit, user)
        for item, explanation in zip(items, explainer.explain(fitted, history, items), strict=True):
            total += 1
            cf = explanation.counterfactual
            assert cf is not None
            if cf.verified is None:
                continue
            assert cf.verified == "rescored"
            verified += 1
            # independent check: edit the history, re-score with the model, rank the item ourselves
            edited = history.without(fit.items.indices_of(list(cf.removed)))
            recs = fitted.recommend(HistoryBatch.from_histories([edited], fit.n_items), 10,
                                    candidates=fit.active_items)
            assert item not in recs.items[0]
            assert cf.new_rank is None or cf.new_rank > 10
    # the bar is for EASE and ALS; ItemKNN spreads its score over hundreds of neighbours, so five
    # removals often leave an item in place (measured: about 0.6), and then the claim must stay unverified
    assert verified / total >= {"ease": 0.9, "als": 0.9, "itemknn": 0.4}[fitted.name]


def test_explanation_json_round_trip(ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    model = EASE().fit(fit)
    history, items = top10(model, fit, "196")
    explanation = CounterfactualExplainer(fit, candidates=fit.active_items).explain(model, history, items[:1])[0]
    payload = json.loads(explanation.model_dump_json())
    assert payload["user_id"] == "196" and isinstance(payload["item_id"], str)
    assert payload["method"] == "counterfactual"
    assert {"removed", "new_rank", "new_score", "verified"} <= set(payload["counterfactual"])
    assert payload["counterfactual"]["verified"] in ("retrained", None)  # EASE retrains exactly
    assert Explanation.model_validate(payload) == explanation


def test_exact_refuses_non_additive_models(ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    model = MostPopular().fit(fit)
    explainer = ExactExplainer(fit)
    assert not explainer.supports(model)
    with pytest.raises(UnsupportedModelError) as e:
        explainer.explain(model, fit.history("196"), np.array([0], dtype=np.int32))
    assert e.value.needs.startswith("exact contributions")


def test_counterfactual_that_cannot_be_found_is_not_verified(ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    model = MostPopular().fit(fit)  # popularity ignores the history: no removal can change a rank
    history, items = top10(model, fit, "196")
    explanation = CounterfactualExplainer(fit, k=10, max_size=3, candidates=fit.active_items).explain(
        model, history, items[:2])
    for e in explanation:
        assert e.counterfactual is not None and e.counterfactual.verified is None
        assert len(e.counterfactual.removed) == 3


class _FixedScores:
    """A model whose scores are given: ties, -inf and NaN included, to check the ranking rule."""

    name = "fixed"

    def __init__(self, scores: np.ndarray) -> None:
        self.scores = scores

    def score(self, histories: HistoryBatch) -> np.ndarray:
        return np.tile(self.scores, (len(histories), 1))


def test_ranks_of_all_items_follow_rank_in(ml100k_split: Split) -> None:
    from whyrec.explain.base import excluded_mask, rank_in

    fit = ml100k_split.fit
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 30, fit.n_items).astype(np.float32)  # many ties
    scores[rng.choice(fit.n_items, 40, replace=False)] = -np.inf
    scores[rng.choice(fit.n_items, 10, replace=False)] = np.nan
    history = fit.history("196")
    for candidates in (None, fit.active_items[::3]):
        scored = ScoredHistory(_FixedScores(scores), history, fit.n_items, candidates)  # type: ignore[arg-type]
        excluded = excluded_mask(fit.n_items, history.items, candidates)
        expected = [rank_in(scores, i, excluded) or 0 for i in range(fit.n_items)]
        assert scored.ranks.tolist() == expected


def test_terms_sum_to_the_score_with_no_baseline(fitted, ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    terms = TermsExplainer(fit, top_n=None, candidates=fit.active_items)
    exact = ExactExplainer(fit, top_n=None, candidates=fit.active_items)
    for user in fit.users.ids_of(fit.active_users[:10]):
        history, items = top10(fitted, fit, user)
        scored = ScoredHistory(fitted, history, fit.n_items, fit.active_items)
        for item, by_terms, by_removal in zip(items, terms.explain(fitted, history, items, scored),
                                              exact.explain(fitted, history, items, scored), strict=True):
            assert by_terms.method == "terms" and by_terms.baseline == 0.0
            assert sum(e.weight for e in by_terms.evidence) == pytest.approx(float(scored.scores[item]), abs=1e-5)
            weights = {e.ref: e.weight for e in by_removal.evidence}
            same = all(weights[e.ref] == pytest.approx(e.weight, abs=1e-6) for e in by_terms.evidence)
            # linear models: a term is the removal effect; ALS: the fold-in couples the items
            assert same == (fitted.name != "als")
