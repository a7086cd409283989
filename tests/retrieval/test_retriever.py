"""Approximate top-k against exact ranking on a fitted ALS: recall, seen items, filters, the fallback."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.errors import ConfigError
from whyrec.evaluate.splits import Split
from whyrec.models import ALS, BPR, MostPopular
from whyrec.retrieval import RetrievalConfig, Retriever, recall_at_k, retriever_for

from tests.retrieval.conftest import THRESHOLD

CONFIG = RetrievalConfig(threshold=THRESHOLD)


@pytest.fixture(scope="module")
def retriever(shop_als: ALS, shop_split: Split) -> Retriever:
    found = retriever_for(shop_als, shop_split.fit.n_items, CONFIG)
    assert found is not None
    return found


def test_recall_at_100_against_exact(retriever: Retriever, shop_als: ALS, shop_split: Split) -> None:
    fit = shop_split.fit
    histories = fit.histories_of(fit.active_users[:300])
    exact = shop_als.recommend(histories, 100, candidates=fit.active_items)
    approximate = retriever.recommend(histories, 100, candidates=fit.active_items)
    assert approximate.approximate.mean() > 0.9  # most lists came from the index, not the fallback
    assert recall_at_k(approximate.items, exact.items, 100) >= 0.95
    assert recall_at_k(approximate.items, exact.items, 10) >= 0.95
    # the scores of what it finds are the model's own
    found = approximate.items[:, 0]
    assert approximate.scores[:, 0] == pytest.approx(shop_als.score(histories)[np.arange(300), found], abs=1e-4)


def test_seen_items_are_never_returned(retriever: Retriever, shop_split: Split) -> None:
    fit = shop_split.fit
    histories = fit.histories_of(fit.active_users[:200])
    recs = retriever.recommend(histories, 50)
    for row, history in zip(recs.items, histories, strict=True):
        assert not np.isin(row[row >= 0], history.items).any()
    kept = retriever.recommend(histories, 50, exclude_seen=False)
    # without the exclusion the history items come back (a user's own items score high under ALS)
    assert any(np.isin(row, h.items).any() for row, h in zip(kept.items, histories, strict=True))


def test_candidates_are_respected_and_a_short_list_is_ranked_exactly(retriever: Retriever, shop_als: ALS,
                                                                      shop_split: Split) -> None:
    fit = shop_split.fit
    histories = fit.histories_of(fit.active_users[:100])
    rng = np.random.default_rng(0)
    half = np.sort(rng.choice(fit.active_items, len(fit.active_items) // 2, replace=False)).astype(np.int32)
    recs = retriever.recommend(histories, 20, candidates=half)
    assert np.isin(recs.items[recs.items >= 0], half).all()
    assert recs.approximate.all()
    # a candidate set too small to fill the list from the index: every list is ranked exactly
    few = half[:300]
    small = retriever.recommend(histories, 20, candidates=few)
    assert not small.approximate.any() and small.retrieval == "exact"
    exact = shop_als.recommend(histories, 20, candidates=few)
    np.testing.assert_array_equal(small.items, exact.items)


def test_a_list_left_too_short_after_filtering_falls_back_to_exact(retriever: Retriever, shop_als: ALS,
                                                                   shop_split: Split) -> None:
    fit = shop_split.fit
    lengths = np.diff(fit.histories_of(fit.active_users).indptr)
    heavy = fit.active_users[np.argsort(-lengths)[:3]]  # far longer histories than the fetch size covers
    light = fit.active_users[np.argsort(lengths)[:60]]
    histories = fit.histories_of(np.concatenate([light, heavy]))
    recs = retriever.recommend(histories, 100)
    assert recs.approximate[:60].all()
    exact = shop_als.recommend(histories, 100)
    for row in np.flatnonzero(~recs.approximate):
        np.testing.assert_array_equal(recs.items[row], exact.items[row])
    assert (recs.items >= 0).all()  # no list came out short


def test_auto_uses_the_index_only_above_the_threshold(shop_als: ALS, shop_split: Split) -> None:
    n_items = shop_split.fit.n_items
    assert retriever_for(shop_als, n_items, RetrievalConfig()) is None  # 5,000 < 50,000
    assert retriever_for(shop_als, n_items, RetrievalConfig(mode="off", threshold=THRESHOLD)) is None
    assert retriever_for(MostPopular().fit(shop_split.fit), n_items, CONFIG) is None
    with pytest.raises(ConfigError) as e:
        retriever_for(MostPopular().fit(shop_split.fit), n_items, RetrievalConfig(mode="on"))
    assert e.value.field == "ann" and "inner products" in str(e.value)


def test_bpr_vectors_give_its_scores(shop_split: Split) -> None:
    model = BPR(embedding_size=16, epochs=2).fit(shop_split.fit)
    histories = shop_split.fit.histories_of(shop_split.fit.active_users[:20])
    np.testing.assert_allclose(model.query_vectors(histories) @ model.item_vectors().T, model.score(histories),
                               atol=1e-4)
