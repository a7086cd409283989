"""Attribute roll-ups keep the score's total; KG paths join the item to history items through shared entities."""

from __future__ import annotations

import numpy as np
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


def test_attribute_weights_add_up_to_the_history_share(ease: EASE, ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    history, items = top(ease, fit, "196")
    explanations = AttributeExplainer(fit, attributes=["category"], top_n=None,
                                      candidates=fit.active_items).explain(ease, history, items)
    genres_of_history = {g for i in np.unique(history.items) for g in fit.catalog.attributes.categorical["category"][i]}
    for e in explanations:
        # every history film has at least one genre, so the genre weights sum to the whole score
        assert sum(x.weight for x in e.evidence) == pytest.approx(e.score, abs=1e-4)
        assert {x.ref.split("=", 1)[1] for x in e.evidence} <= genres_of_history
        count = int(e.evidence[0].label.split("(")[1].split(" of")[0])
        genre = e.evidence[0].ref.split("=", 1)[1]
        assert count == sum(genre in fit.catalog.attributes.categorical["category"][i] for i in np.unique(history.items))


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
