"""Models that read the catalog: attribute affinity, and EASE with the catalog as side information.

Checked on the long-tail synthetic shop (a large catalog, few shoppers per product), whose shoppers choose
within their preferred brands and categories: that is where the catalog carries what co-occurrence lacks.
"""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split, make_splitter, split_dataset
from whyrec.evaluate.tuning import fit_and_score
from whyrec.explain.explanation import EvidenceKind
from whyrec.explain.registry import create_explainer
from whyrec.models import EASE, AttributeAffinity, create_model
from whyrec.testing import blocks, blocks_with_catalog


@pytest.fixture(scope="module")
def longtail() -> Split:
    """250 shoppers, 2,000 products, ~20,000 view/cart/purchase events, a temporal split per user."""
    dataset, _ = DataSource(source="synthetic-longtail", synthetic_events=20_000).load()
    return split_dataset(dataset, make_splitter("temporal-user"))


def test_affinity_beats_popularity_and_ease_where_choices_follow_brand_and_category(longtail: Split) -> None:
    pop = fit_and_score("pop", {}, longtail)[0]
    ease = fit_and_score("ease", {"regularization": 50.0, "use_weights": False}, longtail)[0]
    affinity = fit_and_score("affinity", {}, longtail)[0]
    assert affinity > 1.5 * pop
    assert affinity > 1.1 * ease


def test_a_one_brand_history_gets_that_brands_best_sellers(longtail: Split) -> None:
    train = longtail.train
    model = AttributeAffinity().fit(train)
    brands = train.catalog.attributes.categorical["brand"]
    counts = train.item_user_counts
    brand = max({b for (b,) in brands if b}, key=lambda b: sum(counts[i] for i, v in enumerate(brands) if v == (b,)))
    mine = np.flatnonzero([v == (brand,) for v in brands])
    bought = mine[np.argsort(-counts[mine], kind="stable")][:3]
    recs = model.recommend(HistoryBatch.from_histories([train.history_from_items(train.items.ids_of(bought))],
                                                       train.n_items), 5, candidates=train.active_items)
    top = recs.items[0]
    # the brand's own best sellers first (its items share the brand and usually the category and price band)
    assert sum(brands[i] == (brand,) for i in top) >= 4
    best_unbought = next(i for i in mine[np.argsort(-counts[mine], kind="stable")] if i not in bought)
    assert best_unbought in top


def test_without_catalog_values_affinity_is_most_popular() -> None:
    data = blocks()
    scores = AttributeAffinity().fit(data).score(data.histories())
    pop = create_model("pop").fit(data).score(data.histories())
    for row, reference in zip(scores, pop, strict=True):
        assert list(np.argsort(-row, kind="stable")) == list(np.argsort(-reference, kind="stable"))


def test_affinity_explanations_name_history_items_that_share_a_value(longtail: Split) -> None:
    train = longtail.train
    model = AttributeAffinity().fit(train)
    explainer = create_explainer("exact", train, candidates=train.active_items, k=5)
    attributes = train.catalog.attributes
    for user in train.users.ids_of(train.active_users[:5]):
        history = train.history(user)
        recs = model.recommend(HistoryBatch.from_histories([history], train.n_items), 5,
                               candidates=train.active_items)
        for explanation in explainer.explain(model, history, recs.items[0]):
            item = train.items.indices_of([explanation.item_id])[0]
            items = [e for e in explanation.evidence if e.kind == EvidenceKind.HISTORY_ITEM]
            assert items, explanation
            top = max(items, key=lambda e: e.weight)
            source = train.items.indices_of([top.ref])[0]
            shared = {(a, v) for a in attributes.categorical for v in attributes.values(a, item)} & \
                     {(a, v) for a in attributes.categorical for v in attributes.values(a, source)}
            assert shared, (explanation.item_id, top.ref)


def test_side_information_raises_eases_validation_score_on_the_long_tail(longtail: Split) -> None:
    plain = fit_and_score("ease", {"regularization": 50.0, "use_weights": False}, longtail)[0]
    side = fit_and_score("ease", {"regularization": 50.0, "use_weights": False, "attribute_weight": 0.5},
                         longtail)[0]
    assert side > 1.03 * plain


def test_side_information_changes_nothing_without_catalog_values() -> None:
    data = blocks()
    plain, side = EASE(regularization=5.0).fit(data), EASE(regularization=5.0, attribute_weight=0.5).fit(data)
    np.testing.assert_array_equal(plain.weights_, side.weights_)
    with_catalog = EASE(regularization=5.0, attribute_weight=0.5).fit(blocks_with_catalog())
    assert not np.allclose(plain.weights_, with_catalog.weights_)
    # the shared category (the taste group) pulls items of one group together
    group = with_catalog.weights_[:10, :10][~np.eye(10, dtype=bool)].mean()
    assert group > plain.weights_[:10, :10][~np.eye(10, dtype=bool)].mean()
