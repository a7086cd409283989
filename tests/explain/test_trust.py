"""The trust card on ml-100k: calibrated confidence down real lists, evidence strength, list-level measures."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.evaluate import Split
from whyrec.evaluate.beyond import intra_list_diversity, novelty
from whyrec.evaluate.calibration import RankCalibrator, calibrate
from whyrec.explain.base import ScoredHistory
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation
from whyrec.explain.trust import evidence_strength, list_trust, popular_items, trust_of, with_trust
from whyrec.models import EASE

K = 20


@pytest.fixture(scope="module")
def calibrator(ml100k_split: Split, ease: EASE) -> RankCalibrator:
    return calibrate(ease, ml100k_split, k=10).calibrator


def _explain(fit: Dataset, model: EASE, user: str, *, top_n: int | None = 5) -> list[Explanation]:
    history = fit.history(user)
    batch = HistoryBatch.from_histories([history], fit.n_items)
    items = model.recommend(batch, K, candidates=fit.active_items).items[0]
    scored = ScoredHistory(model, history, fit.n_items, fit.active_items)
    exact = ExactExplainer(fit, top_n=top_n, candidates=fit.active_items).explain(model, history, items, scored)
    cfs = CounterfactualExplainer(fit, k=10, candidates=fit.active_items).explain(model, history, items, scored)
    return [e.model_copy(update={"counterfactual": c.counterfactual}) for e, c in zip(exact, cfs, strict=True)]


@pytest.mark.parametrize("user", ["196", "1", "405", "655"])
def test_confidence_never_rises_down_a_ranked_list(fit: Dataset, ease: EASE, calibrator: RankCalibrator,
                                                   user: str) -> None:
    size = len(np.unique(fit.history(user).items))
    explained = with_trust(_explain(fit, ease, user), calibrator, history_size=size)
    assert [e.rank for e in explained] == list(range(1, K + 1))
    confidence = [e.trust.confidence for e in explained]
    assert all(0.0 < c < 1.0 for c in confidence)
    assert all(a >= b for a, b in pairwise(confidence))
    assert confidence[0] > confidence[-1]  # and it does fall: rank carries information


def test_without_a_calibrator_confidence_is_none_and_the_rest_is_filled(fit: Dataset, ease: EASE) -> None:
    explained = with_trust(_explain(fit, ease, "196"), None, history_size=32)
    assert all(e.trust.confidence is None for e in explained)
    assert [e.trust.counterfactual_verified for e in explained] == [e.counterfactual.verified is not None
                                                                    for e in explained]
    assert any(e.trust.counterfactual_verified for e in explained)
    bare = explained[0].model_copy(update={"counterfactual": None})
    assert trust_of(bare, None, history_size=32).counterfactual_verified is None


def test_evidence_strength_adds_up_the_shares_the_card_shows(fit: Dataset, ease: EASE) -> None:
    for e in _explain(fit, ease, "196", top_n=None)[:5]:
        weights = np.array([x.weight for x in e.evidence])
        assert e.score == pytest.approx(e.baseline + weights.sum(), rel=1e-4)  # complete exact evidence
        top3 = np.sort(weights[weights > 0])[::-1][:3].sum()
        assert evidence_strength(e) == pytest.approx(top3 / e.score, rel=1e-6)
        shown = [x.share for x in e.evidence[:3]]  # the card's first rows: the strongest support first
        assert evidence_strength(e) == pytest.approx(sum(shown), rel=1e-9)
        assert evidence_strength(e) > 0.0


def test_evidence_strength_is_never_clipped_and_zero_without_support() -> None:
    def explanation(weights: list[float], score: float) -> Explanation:
        evidence = tuple(Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=str(i), label=str(i), weight=w,
                                  share=w / score if score else 0.0) for i, w in enumerate(weights))
        return Explanation(user_id="u", item_id="x", score=score, rank=1, model="m", method=ExplainMethod.SHAP,
                           evidence=evidence)

    # shares 0.6 + 0.3 + 0.2 = 110%, the rest counts against: the strength says 110%, not 100%
    assert evidence_strength(explanation([0.6, 0.3, 0.2, -0.1], 1.0)) == pytest.approx(1.1)
    assert evidence_strength(explanation([2.0, -1.5, 0.5, 9.0], 1.0)) == pytest.approx(11.5)
    assert evidence_strength(explanation([0.1, -0.3, 0.2, 0.05], 2.0)) == pytest.approx(0.175)
    assert evidence_strength(explanation([], 1.0)) == 0.0
    assert evidence_strength(explanation([-0.5], 1.0)) == 0.0
    assert evidence_strength(explanation([0.5], 0.0)) == 0.0


def test_popular_means_the_top_ten_percent_of_items_by_users(fit: Dataset) -> None:
    popular, threshold = popular_items(fit)
    counts = fit.item_user_counts
    n_active = int((counts > 0).sum())
    assert math.ceil(0.1 * n_active) <= popular.sum() <= math.ceil(0.1 * n_active) + 5  # + ties at the threshold
    assert counts[popular].min() == threshold > counts[~popular].max()


def test_list_trust_of_real_lists(fit: Dataset, ease: EASE) -> None:
    counts = fit.item_user_counts
    head = np.argsort(-counts, kind="stable")[:10]
    tail = np.flatnonzero(counts == 1)[:10]
    head_trust, tail_trust = list_trust(head, fit), list_trust(tail, fit)
    assert head_trust.popular_share == 1.0 and tail_trust.popular_share == 0.0
    assert tail_trust.novelty > head_trust.novelty
    assert head_trust.novelty == pytest.approx(novelty(head[None], counts, len(fit.active_users), 10))
    assert head_trust.diversity == pytest.approx(intra_list_diversity(head[None], fit.catalog.attributes,
                                                                      "category", 10)[0])
    recs = ease.recommend(HistoryBatch.from_histories([fit.history("196")], fit.n_items), 10,
                          candidates=fit.active_items).items[0]
    trust = list_trust(recs, fit)
    assert trust.k == 10 and trust.attribute == "category" and 0.0 < trust.diversity <= 1.0
    assert list_trust(recs[:1], fit).diversity is None
    assert list_trust(recs, fit, attribute="brand").diversity is None
