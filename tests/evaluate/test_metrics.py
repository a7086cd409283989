"""Ranking metrics (PROTOCOL.md table) and beyond-accuracy measures, on hand-computed cases and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whyrec.data.catalog import AttributeTable
from whyrec.data.idmap import IdMap
from whyrec.evaluate.beyond import average_popularity, catalog_coverage, intra_list_diversity, novelty
from whyrec.evaluate.metrics import (
    METRICS,
    hit_matrix,
    hit_rate,
    mean_average_precision,
    mrr,
    ndcg,
    precision,
    recall,
)

# log2 discounts 1 / log2(p + 1) for p = 1..5
D1, D2, D3, D4, D5 = 1.0, 0.6309297536, 0.5, 0.4306765581, 0.3868528072

# Four users, lists of length 5 (1 = the item at that position is relevant):
#   u0: 1 0 1 0 0   |T| = 4  (|T| > K for K = 1, 3; |T| < K for K = 5)
#   u1: 0 1 0 0 0   |T| = 1  (|T| < K; the only hit lies beyond K = 1)
#   u2: 0 0 0 0 0   |T| = 2  (no hits)
#   u3: 0 0 0 1 1   |T| = 2  (hits only beyond K = 3)
HITS = np.array([
    [1, 0, 1, 0, 0],
    [0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 1, 1],
], dtype=bool)
N_RELEVANT = np.array([4, 1, 2, 2])

# K -> metric -> per-user values, worked out by hand.
EXPECTED = {
    1: {
        # u0: one hit in the first position; u1..u3: nothing within K = 1.
        "recall": [1 / 4, 0, 0, 0],
        "precision": [1, 0, 0, 0],
        "hr": [1, 0, 0, 0],
        "ndcg": [1, 0, 0, 0],  # u0: DCG = D1, IDCG over min(4, 1) = 1 position = D1
        "mrr": [1, 0, 0, 0],
        "map": [1, 0, 0, 0],  # u0: precision@1 = 1, divided by min(4, 1) = 1
    },
    3: {
        "recall": [2 / 4, 1 / 1, 0, 0],
        "precision": [2 / 3, 1 / 3, 0, 0],
        "hr": [1, 1, 0, 0],
        # u0: (D1 + D3) / (D1 + D2 + D3) = 1.5 / 2.1309297536; u1: D2 / D1.
        "ndcg": [0.7039180890, 0.6309297536, 0, 0],
        "mrr": [1, 1 / 2, 0, 0],
        # u0: (1/1 + 2/3) / min(4, 3); u1: (1/2) / min(1, 3).
        "map": [(1 + 2 / 3) / 3, 1 / 2, 0, 0],
    },
    5: {
        "recall": [2 / 4, 1 / 1, 0, 2 / 2],
        "precision": [2 / 5, 1 / 5, 0, 2 / 5],
        "hr": [1, 1, 0, 1],
        # u0: 1.5 / (D1 + D2 + D3 + D4) = 1.5 / 2.5616063117; u1: D2; u3: (D4 + D5) / (D1 + D2).
        "ndcg": [0.5855700750, 0.6309297536, 0, 0.5012658353],
        "mrr": [1, 1 / 2, 0, 1 / 4],
        # u0: (1 + 2/3) / min(4, 5); u3: (1/4 + 2/5) / min(2, 5) = 0.65 / 2.
        "map": [(1 + 2 / 3) / 4, 1 / 2, 0, 0.325],
    },
}


@pytest.mark.parametrize("k", sorted(EXPECTED))
@pytest.mark.parametrize("name", ["recall", "precision", "hr", "ndcg", "mrr", "map"])
def test_metric_matches_hand_computed_values(name: str, k: int) -> None:
    got = METRICS[name].fn(HITS, N_RELEVANT, k)
    assert got.dtype == np.float64
    assert got.shape == (4,)
    assert got.tolist() == pytest.approx(EXPECTED[k][name], abs=1e-6)


def test_discount_constants_are_log2_of_position_plus_one() -> None:
    assert pytest.approx([1 / math.log2(p + 1) for p in range(1, 6)], abs=1e-9) == [D1, D2, D3, D4, D5]


def test_user_without_relevant_items_scores_zero_instead_of_dividing_by_zero() -> None:
    hits = np.zeros((1, 3), dtype=bool)
    n_relevant = np.array([0])
    for metric in METRICS.values():
        assert metric.fn(hits, n_relevant, 3).tolist() == [0.0], metric.name


def test_precision_divides_by_k_even_when_the_list_is_shorter() -> None:
    # One hit in a list of 2, K = 4: hits@4 / 4 = 0.25 (PROTOCOL.md: hits@K / K).
    hits = np.array([[True, False]])
    assert precision(hits, np.array([1]), 4).tolist() == pytest.approx([0.25], abs=1e-6)
    # A single relevant item found first: NDCG 1, recall 1.
    assert ndcg(hits, np.array([1]), 4).tolist() == pytest.approx([1.0], abs=1e-6)
    assert recall(hits, np.array([1]), 4).tolist() == pytest.approx([1.0], abs=1e-6)


def test_hit_matrix_marks_relevant_positions_and_never_an_empty_slot() -> None:
    ranked = np.array([
        [3, -1, 5, 7],
        [-1, -1, -1, -1],
        [2, 0, -1, 9],
    ])
    relevant = [np.array([5, 7, 11]), np.array([4]), np.array([-1, 9, 2])]
    hits = hit_matrix(ranked, relevant)
    assert hits.dtype == np.bool_
    assert hits.tolist() == [
        [False, False, True, True],
        [False, False, False, False],
        [True, False, False, True],  # -1 in the truth must not match the empty slot
    ]
    # |T| counts item 11, which the list does not contain: recall@4 = 2 / 3.
    assert recall(hits, np.array([3, 1, 2]), 4).tolist() == pytest.approx([2 / 3, 0.0, 1.0], abs=1e-6)
    # Empty slots take positions: user 0's hits sit at positions 3 and 4.
    assert mrr(hits, np.array([3, 1, 2]), 4).tolist() == pytest.approx([1 / 3, 0.0, 1.0], abs=1e-6)
    assert ndcg(hits, np.array([3, 1, 2]), 4).tolist() == pytest.approx(
        [(D3 + D4) / (D1 + D2 + D3), 0.0, (D1 + D4) / (D1 + D2)], abs=1e-6)


# ---- properties ---------------------------------------------------------------------------------------


@st.composite
def hit_lists(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A consistent (hits, n_relevant): every user has at least as many relevant items as hits."""
    n_users = draw(st.integers(1, 6))
    length = draw(st.integers(1, 25))
    rows = draw(st.lists(st.lists(st.booleans(), min_size=length, max_size=length), min_size=n_users,
                         max_size=n_users))
    hits = np.array(rows, dtype=bool)
    extra = np.array(draw(st.lists(st.integers(0, 30), min_size=n_users, max_size=n_users)))
    return hits, hits.sum(1) + extra


@settings(max_examples=150, deadline=None)
@given(n_relevant=st.integers(1, 40), k=st.integers(1, 30), spare=st.integers(0, 5))
def test_ndcg_of_the_ideal_list_is_one(n_relevant: int, k: int, spare: int) -> None:
    length = k + spare
    ideal = np.zeros((1, length), dtype=bool)
    ideal[0, : min(n_relevant, length)] = True
    assert ndcg(ideal, np.array([n_relevant]), k)[0] == pytest.approx(1.0, abs=1e-9)
    assert mean_average_precision(ideal, np.array([n_relevant]), k)[0] == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(data=hit_lists(), k=st.integers(1, 30))
def test_every_metric_lies_in_zero_one(data: tuple[np.ndarray, np.ndarray], k: int) -> None:
    hits, n_relevant = data
    for metric in METRICS.values():
        values = metric.fn(hits, n_relevant, k)
        assert values.shape == (len(hits),)
        assert np.all((values >= 0.0) & (values <= 1.0 + 1e-12)), metric.name


@settings(max_examples=100, deadline=None)
@given(
    ranked=st.lists(st.integers(-1, 30), min_size=1, max_size=20),
    relevant=st.lists(st.integers(0, 30), min_size=1, max_size=15, unique=True),
    perm_seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 20),
)
def test_results_do_not_depend_on_the_order_of_the_relevant_set(ranked: list[int], relevant: list[int],
                                                                  perm_seed: int, k: int) -> None:
    # A list never repeats an item; a repeat becomes an empty slot (-1).
    row: list[int] = []
    for item in ranked:
        row.append(item if item not in row else -1)
    ranked_row = np.array(row)
    shuffled = np.random.default_rng(perm_seed).permutation(relevant)
    a = hit_matrix(ranked_row[None, :], [np.array(relevant)])
    b = hit_matrix(ranked_row[None, :], [shuffled])
    assert np.array_equal(a, b)
    n_rel = np.array([len(relevant)])
    for metric in METRICS.values():
        assert metric.fn(a, n_rel, k).tolist() == metric.fn(b, n_rel, k).tolist(), metric.name


@settings(max_examples=150, deadline=None)
@given(data=hit_lists())
def test_recall_never_decreases_with_k(data: tuple[np.ndarray, np.ndarray]) -> None:
    hits, n_relevant = data
    previous = np.zeros(len(hits))
    for k in range(1, hits.shape[1] + 3):
        current = recall(hits, n_relevant, k)
        assert np.all(current >= previous - 1e-12)
        previous = current


@settings(max_examples=150, deadline=None)
@given(data=hit_lists(), k=st.integers(1, 30))
def test_precision_times_k_counts_the_hits(data: tuple[np.ndarray, np.ndarray], k: int) -> None:
    hits, n_relevant = data
    expected = hits[:, :k].sum(1)
    assert np.allclose(precision(hits, n_relevant, k) * k, expected, atol=1e-9)
    assert np.array_equal(hit_rate(hits, n_relevant, k), (expected > 0).astype(float))


# ---- beyond accuracy ----------------------------------------------------------------------------------

RANKED = np.array([
    [0, 1, 2],
    [1, 3, -1],
])


def test_catalog_coverage_counts_distinct_items_in_the_top_k() -> None:
    # K = 2: {0, 1} U {1, 3} = 3 items of 10; K = 3: {0, 1, 2, 3} (the empty slot is no item) = 4 of 10.
    assert catalog_coverage(RANKED, 10, 2) == pytest.approx(0.3, abs=1e-6)
    assert catalog_coverage(RANKED, 10, 3) == pytest.approx(0.4, abs=1e-6)
    assert catalog_coverage(RANKED, 4, 3) == pytest.approx(1.0, abs=1e-6)


def test_average_popularity_is_the_mean_count_over_recommended_items() -> None:
    popularity = np.array([5, 3, 1, 0])
    # K = 2: items 0, 1, 1, 3 -> (5 + 3 + 3 + 0) / 4; K = 3: items 0, 1, 2, 1, 3 -> 12 / 5.
    assert average_popularity(RANKED, popularity, 2) == pytest.approx(2.75, abs=1e-6)
    assert average_popularity(RANKED, popularity, 3) == pytest.approx(2.4, abs=1e-6)
    assert average_popularity(np.full((2, 3), -1), popularity, 3) == 0.0


def test_novelty_is_mean_self_information_with_unseen_items_clipped_to_one_user() -> None:
    # 8 users; shares 8/8, 4/8, 1/8, 0/8 (clipped to 1/8) -> 0, 1, 3, 3 bits.
    popularity = np.array([8, 4, 1, 0])
    ranked = np.array([[0, 1], [2, 3]])
    assert novelty(ranked, popularity, 8, 2) == pytest.approx((0 + 1 + 3 + 3) / 4, abs=1e-6)
    assert novelty(ranked, popularity, 8, 1) == pytest.approx((0 + 3) / 2, abs=1e-6)
    assert novelty(np.full((1, 2), -1), popularity, 8, 2) == 0.0


def test_intra_list_diversity_is_mean_pairwise_jaccard_distance() -> None:
    genres = (("a",), ("a", "b"), ("c",), ())  # item 3 has no value: distance 1 from everything
    table = AttributeTable(IdMap.from_ids(["0", "1", "2", "3"]), categorical={"genre": genres})
    ranked = np.array([
        [0, 1, 2],    # d(0,1) = 1 - 1/2, d(0,2) = 1, d(1,2) = 1 -> 2.5 / 3
        [0, 1, -1],   # d(0,1) = 0.5
        [3, -1, -1],  # one item: undefined
        [0, 3, 2],    # all distances 1
    ])
    got3 = intra_list_diversity(ranked, table, "genre", 3)
    assert np.isnan(got3[2])
    assert got3[[0, 1, 3]].tolist() == pytest.approx([2.5 / 3, 0.5, 1.0], abs=1e-6)
    got2 = intra_list_diversity(ranked, table, "genre", 2)
    assert np.isnan(got2[2])
    assert got2[[0, 1, 3]].tolist() == pytest.approx([0.5, 0.5, 1.0], abs=1e-6)
