"""The fast evaluation path against a plain one: per-history solves, a full stable sort, loops over users."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.data.catalog import AttributeTable
from whyrec.data.dataset import Dataset, build_dataset
from whyrec.data.loading import EventWeights
from whyrec.data.validation import clean_interactions
from whyrec.evaluate import Split, evaluate
from whyrec.evaluate.beyond import intra_list_diversity
from whyrec.evaluate.metrics import DEFAULT_METRICS
from whyrec.models import ALS, EASE, top_k
from whyrec.models._foldin import FoldIn
from whyrec.models.ease import ease_weights


def plain_per_user(scores: np.ndarray, split: Split, k_max: int) -> pd.DataFrame:
    """Per-user metrics by the definitions: mask each user's fit items and non-catalog items, sort, count."""
    users = split.test.active_users
    catalog = np.zeros(split.fit.n_items, dtype=bool)
    catalog[split.fit.active_items] = True
    rows = {}
    for row, u in enumerate(users):
        s = scores[row].astype(np.float64)
        s[~catalog] = -np.inf
        s[split.fit.sequence(int(u))] = -np.inf
        ranked = sorted(np.flatnonzero(np.isfinite(s)), key=lambda j: (-s[j], j))[:k_max]
        truth = set(np.unique(split.test.sequence(int(u))).tolist())
        hits = np.array([[j in truth for j in ranked] + [False] * (k_max - len(ranked))])
        n_rel = np.array([len(truth)])
        rows[split.fit.users.ids_of(np.array([u]))[0]] = {
            f"{m.name}@{k}": float(m.fn(hits, n_rel, k)[0]) for k in (10, 20) for m in DEFAULT_METRICS}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_als_evaluation_equals_per_user_solves_and_a_full_sort(ml100k_split: Split) -> None:
    model = ALS(embedding_size=32, epochs=2).fit(ml100k_split.fit)
    rows = model._matrix(ml100k_split.fit.histories_of(ml100k_split.test.active_users).matrix)
    users = np.zeros((rows.shape[0], 32))
    for r in range(rows.shape[0]):
        lo, hi = rows.indptr[r], rows.indptr[r + 1]
        system, y_hist, confidence = model._system(rows.indices[lo:hi], rows.data[lo:hi])
        users[r] = np.linalg.solve(system, y_hist.T @ confidence)
    scores = users.astype(np.float32) @ model.item_factors_.T
    expected = plain_per_user(scores, ml100k_split, 20)
    got = evaluate(model, ml100k_split).per_user
    assert got.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(got[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)


def test_ease_evaluation_equals_a_full_sort(ml100k_split: Split) -> None:
    model = EASE().fit(ml100k_split.fit)
    batch = ml100k_split.fit.histories_of(ml100k_split.test.active_users)
    expected = plain_per_user(np.asarray(batch.matrix @ model.weights_), ml100k_split, 20)
    got = evaluate(model, ml100k_split).per_user
    np.testing.assert_allclose(got[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def shop() -> Dataset:
    data = generate(SyntheticConfig(n_events=25_000, n_items=1_100, seed=3))
    frame, _ = clean_interactions(data.events, "synthetic", weights=EventWeights())
    return build_dataset(frame, name="synthetic", catalog=data.catalog)


def test_batched_fold_in_equals_per_history_solves_for_short_wide_and_long_histories(shop: Dataset) -> None:
    # 48 factors: histories up to 32 items go stacked, 33-48 one by one, longer ones through the full system
    model = ALS(embedding_size=48, epochs=2).fit(shop)
    rows = model._matrix(shop.interactions)
    lengths = np.diff(rows.indptr)
    assert (lengths <= 32).any() and ((lengths > 32) & (lengths <= 48)).any() and (lengths > 48).any()
    got = FoldIn(model.item_factors_, regularization=10.0, alpha=0.5)(rows)
    for r in range(rows.shape[0]):
        lo, hi = rows.indptr[r], rows.indptr[r + 1]
        system, y_hist, confidence = model._system(rows.indices[lo:hi], rows.data[lo:hi])
        np.testing.assert_allclose(got[r], np.linalg.solve(system, y_hist.T @ confidence), rtol=1e-9, atol=1e-12)


def test_float32_ease_scores_are_close_to_float64(shop: Dataset) -> None:
    x = shop.interactions
    assert shop.n_items > 1024  # the float32 Gram matrix is built in more than one block of columns
    w64, d64 = ease_weights(x, 500.0, dtype=np.float64)
    w32, d32 = ease_weights(x, 500.0, dtype=np.float32)
    gram = (x.T @ x).toarray().astype(np.float64) + 500.0 * np.eye(shop.n_items)
    precision = np.linalg.inv(gram)
    reference = -precision / np.diag(precision)
    np.fill_diagonal(reference, 0.0)
    np.testing.assert_allclose(w64, reference, atol=1e-7)
    np.testing.assert_allclose(d64, np.diag(precision), rtol=1e-10)
    np.testing.assert_allclose(d32, d64, rtol=1e-4)
    scores64, scores32 = np.asarray(x @ w64), np.asarray(x @ w32)
    assert np.abs(scores32 - scores64).max() <= 1e-4 * np.abs(scores64).max()
    # the top-10 lists barely move
    same = (top_k(scores32, 10).items == top_k(scores64, 10).items).mean()
    assert same > 0.95


def test_wide_top_k_equals_a_stable_sort_with_ties_minus_inf_and_nan() -> None:
    rng = np.random.default_rng(7)
    for levels, empty in ((4, 0.0), (1000, 0.5), (10**7, 0.999)):
        scores = rng.integers(0, levels, (6, 5000)).astype(np.float32)
        scores[rng.random(scores.shape) < empty] = -np.inf
        scores[1, 17] = np.nan
        got = top_k(scores, 20).items
        for row, items in zip(scores, got.tolist(), strict=True):
            key = np.where(np.isnan(row), -np.inf, row)
            ranked = sorted(range(len(row)), key=lambda j: (-key[j], j))[:20]
            assert items == [j if not np.isneginf(row[j]) else -1 for j in ranked]


def test_list_diversity_equals_pairwise_jaccard_for_single_and_multi_valued_attributes(shop: Dataset) -> None:
    rng = np.random.default_rng(2)
    ranked = rng.integers(-1, shop.n_items, (200, 10))
    multi = tuple(values + (("x",) if i % 3 else ()) for i, values in
                  enumerate(shop.catalog.attributes.categorical["category"]))
    table = AttributeTable(shop.items, categorical={"category": shop.catalog.attributes.categorical["category"],
                                                    "multi": multi})
    for name in ("category", "multi"):
        values = table.categorical[name]
        expected = []
        for items in ranked:
            sets = [frozenset(values[i]) for i in items if i >= 0]
            pairs = [(a, b) for i, a in enumerate(sets) for b in sets[i + 1:]]
            expected.append(np.mean([1 - len(a & b) / len(a | b) if a | b else 1.0 for a, b in pairs])
                            if pairs else np.nan)
        np.testing.assert_allclose(intra_list_diversity(ranked, table, name, 10), expected, atol=1e-12)
