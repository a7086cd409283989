"""ALS fold-in equals implicit's own user step; BPR scores any history."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from whyrec.data import Dataset, History, HistoryBatch
from whyrec.models import ALS
from whyrec.models.implicit_mf import als_solver


def test_als_fold_in_matches_implicit_recalculate_user(blocks: Dataset) -> None:
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0, use_weights=True).fit(blocks)
    batch = blocks.histories()
    ours = model.user_factors(batch)
    solver = als_solver(model.item_factors_, model.config.regularization, model.config.alpha)
    theirs = solver.recalculate_user(np.arange(len(batch)), sp.csr_matrix(batch.matrix))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_als_section5_terms_sum_to_score(blocks: Dataset) -> None:
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0).fit(blocks)
    history = blocks.history("u0")
    scores = model.score(HistoryBatch.from_histories([history], blocks.n_items))[0]
    items = np.arange(blocks.n_items, dtype=np.int32)
    c = model.additive_terms(history, items)
    assert set(c.history_items.tolist()) == set(history.items.tolist())
    np.testing.assert_allclose(c.per_history.sum(1), scores, atol=1e-5)
    np.testing.assert_array_equal(c.baseline, 0.0)


@pytest.mark.parametrize("peel", [0, 3, 100])
def test_als_contributions_are_rescored_removal_effects(blocks: Dataset, peel: int) -> None:
    # strong confidences (alpha 2, little regularisation) make the items interact: removal effects differ
    # from the section-5 terms, and the greedy order matters
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0).fit(blocks)
    for user in ("u0", "u7", "u23"):
        history = blocks.history(user)
        items = np.arange(blocks.n_items, dtype=np.int32)
        c = model.contributions(history, items, peel=peel)
        hist = c.history_items.tolist()
        assert set(hist) == set(history.items.tolist())

        def score(removed: list[int], history: History = history) -> np.ndarray:
            edited = history.without(removed)
            return model.score(HistoryBatch.from_histories([edited], blocks.n_items))[0].astype(np.float64)

        full = score([])
        np.testing.assert_allclose(c.baseline + c.per_history.sum(1), full, atol=1e-5)
        for i in items[:6]:
            removed: list[int] = []
            current = full
            for _ in range(min(peel, len(hist))):
                # the strongest single removal left, found by re-scoring every candidate
                candidates = [j for j in hist if j not in removed]
                after = [score([*removed, j])[i] for j in candidates]
                best = int(np.argmax(current[i] - np.array(after)))
                j = candidates[best]
                assert c.per_history[i, hist.index(j)] == pytest.approx(current[i] - after[best], abs=1e-4)
                removed.append(j)
                current = score(removed)
            for j in (j for j in hist if j not in removed):
                assert c.per_history[i, hist.index(j)] == pytest.approx(current[i] - score([*removed, j])[i], abs=1e-4)
        terms = model.additive_terms(history, items)
        assert np.abs(terms.per_history - c.per_history).max() > 1e-3  # the two are different things


def test_als_score_edits_equals_scoring_the_edited_histories(blocks: Dataset) -> None:
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0, use_weights=True).fit(blocks)
    history = blocks.history("u2")
    distinct = np.unique(history.items)
    removals = [set(), {int(distinct[0])}, {int(distinct[1]), int(distinct[3])}, set(distinct.tolist())]
    fast = model.edits_of(history)(removals)
    slow = model.score(HistoryBatch.from_histories([history.without(r) for r in removals], blocks.n_items))
    np.testing.assert_allclose(fast, slow, atol=1e-5)


def test_the_item_step_systems_are_solved_once_and_kept_within_a_budget(ml100k: Dataset) -> None:
    from whyrec.models.retraining import ALSItemSystems

    rng = np.random.default_rng(0)
    users = rng.standard_normal((ml100k.n_users, 8))
    item_users = sp.csr_array(ml100k.interactions.T)
    systems = ALSItemSystems(users, users.T @ users, item_users, alpha=2.0, regularization=5.0,
                             budget_bytes=20 * (8 * 8 + 2 * 8) * 8)  # room for 20 systems (at least 16 kept)
    item = int(np.argmax(ml100k.item_user_counts))
    a, b, solution = systems(item)
    who = item_users.indices[item_users.indptr[item]:item_users.indptr[item + 1]]
    c = 2.0 * item_users.data[item_users.indptr[item]:item_users.indptr[item + 1]]
    full_c = np.zeros(ml100k.n_users)
    full_c[who] = c
    expected = users.T @ (users * (1.0 + np.where(full_c > 0, full_c - 1.0, 0.0))[:, None]) + 5.0 * np.eye(8)
    assert np.allclose(a, expected) and np.allclose(b, users[who].T @ c) and np.allclose(a @ solution, b)
    assert systems(item)[0] is a  # kept: the same arrays, not solved again
    for other in [i for i in range(41) if i != item]:
        systems(other)
    assert systems(item)[0] is not a and np.allclose(systems(item)[0], a)  # dropped beyond the budget, redone
