"""Attribute roll-ups keep the score's total; KG paths join the item to history items through shared entities."""

from __future__ import annotations

import pytest

from whyrec.data import Dataset, HistoryBatch
from whyrec.evaluate import Split
from whyrec.explain.attributes import AttributeExplainer
from whyrec.explain.kg import KGExplainer, load_ml100k_kg
from whyrec.models import EASE, MostPopular


@pytest.fixture(scope="module")
def ease(ml100k_split: Split) -> EASE:
    return EASE().fit(ml100k_split.fit)


def top(model, fit: Dataset, user: str, k: int = 5):
    history = fit.history(user)
    return history, model.recommend(HistoryBatch.from_histories([history], fit.n_items), k,
                                    candidates=fit.active_items).items[0]


def test_attribute_weights_roll_up_the_history_items_that_share_the_items_values(ease: EASE,
                                                                                ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    history, items = top(ease, fit, "196")
    genres = fit.catalog.attributes.categorical["category"]
    explanations = AttributeExplainer(fit, attributes=["category"], top_n=None,
                                      candidates=fit.active_items).explain(ease, history, items)
    contributions = ease.contributions(history, items)
    hist = contributions.history_items.tolist()
    for row, e in enumerate(explanations):
        own = set(genres[fit.items.index_of(e.item_id)])
        assert {x.ref.split("=", 1)[1] for x in e.evidence} == own & {g for j in hist for g in genres[j]}
        for x in e.evidence:
            genre = x.ref.split("=", 1)[1]
            carriers = [col for col, j in enumerate(hist) if genre in genres[j]]
            # each history film splits its contribution evenly over its genres
            expected = sum(contributions.per_history[row, col] / len(genres[hist[col]]) for col in carriers)
            assert x.weight == pytest.approx(expected, abs=1e-6)
            assert x.label.endswith(f"({len(carriers)} of your {len(hist)} items)")


def test_attributes_for_a_non_additive_model(ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    model = MostPopular().fit(fit)
    history, items = top(model, fit, "196", k=2)
    for e in AttributeExplainer(fit, candidates=fit.active_items).explain(model, history, items):
        assert all(x.weight == 0 for x in e.evidence)  # popularity does not depend on the history at all


def test_kg_paths_join_through_a_shared_entity(ease: EASE, ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    graph = load_ml100k_kg()
    history, items = top(ease, fit, "196")
    explanations = KGExplainer(fit, graph, candidates=fit.active_items).explain(ease, history, items)
    assert any(e.evidence for e in explanations)
    history_ids = set(fit.items.ids_of(history.items))
    for e in explanations:
        weights = [x.weight for x in e.evidence]
        assert weights == sorted(weights, reverse=True)
        for x in e.evidence:
            item, relation, entity, _, source = x.ref.split("|")
            assert item == e.item_id and source in history_ids
            assert (relation, entity) in set(graph.neighbours(item))
            assert (relation, entity) in set(graph.neighbours(source))
            assert relation not in ("language", "country")
