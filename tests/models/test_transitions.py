"""Item transitions (sequential rules), checked on the Beauty-like synthetic shop, whose shoppers often buy
one of a few follow-up products of their last purchase next, and on the block data."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import History, HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split, make_splitter, split_dataset
from whyrec.evaluate.tuning import fit_and_score
from whyrec.explain.explanation import EvidenceKind
from whyrec.explain.registry import create_explainer
from whyrec.models import ItemTransitions
from whyrec.models.retraining import without_user_items
from whyrec.models.transitions import transition_counts
from whyrec.testing import blocks


@pytest.fixture(scope="module")
def beauty() -> Split:
    """1,100 shoppers, 600 products, ~10,000 purchases, the last of each shopper held out."""
    dataset, _ = DataSource(source="synthetic-beauty", synthetic_events=10_000).load()
    return split_dataset(dataset, make_splitter("leave-last-out"))


def test_transitions_beat_popularity_and_itemknn_where_the_next_purchase_follows_the_last(beauty: Split) -> None:
    pop = fit_and_score("pop", {}, beauty)[0]
    itemknn = fit_and_score("itemknn", {}, beauty)[0]
    transitions = fit_and_score("transitions", {}, beauty)[0]
    assert transitions > 3 * pop
    assert transitions > 1.3 * itemknn


def test_the_last_items_most_frequent_follower_comes_first(beauty: Split) -> None:
    train = beauty.train
    model = ItemTransitions(window=1, steps=1).fit(train)
    counts = transition_counts(train.user_indptr, train.events.item, train.n_items, 1).toarray()
    source = int(np.argmax(counts.max(axis=1)))  # the product with the most-repeated follower
    recs = model.recommend(HistoryBatch.from_histories([History.of_items([source])], train.n_items), 1)
    assert counts[source, recs.items[0][0]] == counts[source].max()


def test_gaps_decay_and_window_weigh_as_documented() -> None:
    # one shopper bought 0, 1, 2 in that order; 1 follows 0 at gap 1, 2 follows 0 at gap 2 and 1 at gap 1
    counts = transition_counts(np.array([0, 3, 5]), np.array([0, 1, 2, 2, 2]), 3, steps=2)
    np.testing.assert_allclose(counts.toarray(), [[0, 1, 0.5], [0, 0, 1], [0, 0, 0]])  # 2 after 2: no transition
    data = blocks()
    model = ItemTransitions(window=2, decay=0.25, popularity_weight=0.0, normalize=0.0).fit(data)
    a, b, c = (data.items.index_of(i) for i in ("0", "1", "2"))
    scores = model.score(HistoryBatch.from_histories([History.of_items([a, b, c])], data.n_items))[0]
    rows = model.rows_.toarray()
    np.testing.assert_allclose(scores, rows[c] + 0.25 * rows[b], rtol=1e-6)  # a is outside the window


def test_contributions_are_removal_effects_and_terms_sum_to_the_score(beauty: Split) -> None:
    train = beauty.train
    model = ItemTransitions(window=3).fit(train)
    items = train.active_items
    for user in train.users.ids_of(train.active_users[:5]):
        history = train.history(user)
        score = model.score(HistoryBatch.from_histories([history], train.n_items))[0][items]
        c = model.contributions(history, items)
        for column, item in enumerate(c.history_items):
            without = model.score(HistoryBatch.from_histories([history.without([int(item)])], train.n_items))[0]
            np.testing.assert_allclose(c.per_history[:, column], score - without[items], atol=1e-6)
        older = set(history.items[:-3].tolist()) - set(history.items[-3:].tolist())
        assert all(not c.per_history[:, list(c.history_items).index(i)].any() for i in older)
        terms = model.additive_terms(history, items)
        np.testing.assert_allclose(terms.baseline + terms.per_history.sum(1), score, atol=1e-5)


def test_explanations_name_a_recent_purchase_that_the_item_followed(beauty: Split) -> None:
    train = beauty.train
    model = ItemTransitions().fit(train)
    counts = transition_counts(train.user_indptr, train.events.item, train.n_items, model.config.steps)
    explainer = create_explainer("exact", train, candidates=train.active_items, k=5)
    checked = 0
    for user in train.users.ids_of(train.active_users[:20]):
        history = train.history(user)
        recs = model.recommend(HistoryBatch.from_histories([history], train.n_items), 3, candidates=train.active_items)
        for explanation in explainer.explain(model, history, recs.items[0]):
            evidence = [e for e in explanation.evidence if e.kind == EvidenceKind.HISTORY_ITEM and e.weight > 0]
            if not evidence:
                continue  # no known follower: popularity ranked it
            top = max(evidence, key=lambda e: e.weight)
            source, item = train.items.indices_of([top.ref])[0], train.items.indices_of([explanation.item_id])[0]
            assert counts[source, item] > 0, (top.ref, explanation.item_id)
            assert source in history.items[-model.config.window:]
            checked += 1
    assert checked >= 30


def test_retrained_scores_equal_a_refit_without_the_users_events(beauty: Split) -> None:
    fit = beauty.fit
    model = ItemTransitions(window=3, steps=3).fit(fit)
    for user in fit.users.ids_of(fit.active_users[:4]):
        history = fit.history(user)
        distinct = np.unique(history.items)
        sets = [frozenset(history.items[-1:].tolist()), frozenset(distinct[:3].tolist())]
        fast = model.retrained_edits(history, fit)(sets)
        for removed, row in zip(sets, fast, strict=True):
            refit = ItemTransitions(model.config).fit(without_user_items(fit, user, removed))
            expected = refit.score(HistoryBatch.from_histories([history.without(removed)], fit.n_items))[0]
            np.testing.assert_allclose(row, expected, rtol=1e-5, atol=1e-6)
    new = fit.history_from_items(fit.items.ids_of(fit.history(user).items))  # no user: nothing to delete
    sets = [frozenset(new.items[-1:].tolist())]
    np.testing.assert_allclose(model.retrained_edits(new, fit)(sets)[0],
                               model.score(HistoryBatch.from_histories([new.without(sets[0])], fit.n_items))[0],
                               atol=1e-6)
