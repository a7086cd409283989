"""ALS fold-in equals implicit's own user step; BPR scores any history."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from whyrec.data import Dataset, HistoryBatch
from whyrec.models import ALS
from whyrec.models.implicit_mf import _als_solver


def test_als_fold_in_matches_implicit_recalculate_user(blocks: Dataset) -> None:
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0, use_weights=True).fit(blocks)
    batch = blocks.histories()
    ours = model.user_factors(batch)
    solver = _als_solver(model.item_factors_, model.config.regularization, model.config.alpha)
    theirs = solver.recalculate_user(np.arange(len(batch)), sp.csr_matrix(batch.matrix))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_als_contributions_sum_to_score(blocks: Dataset) -> None:
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0).fit(blocks)
    history = blocks.history("u0")
    scores = model.score(HistoryBatch.from_histories([history], blocks.n_items))[0]
    items = np.arange(blocks.n_items, dtype=np.int32)
    c = model.contributions(history, items)
    assert set(c.history_items.tolist()) == set(history.items.tolist())
    np.testing.assert_allclose(c.per_history.sum(1) + c.baseline, scores, atol=1e-5)


def test_als_score_edits_equals_scoring_the_edited_histories(blocks: Dataset) -> None:
    model = ALS(embedding_size=8, regularization=0.1, alpha=2.0, use_weights=True).fit(blocks)
    history = blocks.history("u2")
    distinct = np.unique(history.items)
    removals = [set(), {int(distinct[0])}, {int(distinct[1]), int(distinct[3])}, set(distinct.tolist())]
    fast = model.edits_of(history)(removals)
    slow = model.score(HistoryBatch.from_histories([history.without(r) for r in removals], blocks.n_items))
    np.testing.assert_allclose(fast, slow, atol=1e-5)
