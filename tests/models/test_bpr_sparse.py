"""BPR with uniform negatives beats popularity on a sparse shop (synthetic-beauty, leave-last-out)."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data.loading import DataSource
from whyrec.evaluate import rank_split, score_ranking, split_dataset
from whyrec.evaluate.splits import Split, make_splitter
from whyrec.models import BPR, create_model


@pytest.fixture(scope="module")
def sparse_split() -> Split:
    dataset, _ = DataSource(source="synthetic-beauty", synthetic_events=12_000, seed=0).load()
    return split_dataset(dataset, make_splitter("leave-last-out"))


def _ndcg(model: object, parts: Split) -> float:
    _, summary = score_ranking(rank_split(model, parts, k=10), ks=(10,))  # type: ignore[arg-type]
    return summary["ndcg@10"]


def test_uniform_bpr_beats_popularity_on_sparse_data(sparse_split: Split) -> None:
    popularity = _ndcg(create_model("pop").fit(sparse_split.fit), sparse_split)
    bpr = BPR(negatives="uniform", fold_in="bpr", embedding_size=32, learning_rate=0.05, regularization=0.001,
              epochs=15, seed=0).fit(sparse_split.fit)
    assert _ndcg(bpr, sparse_split) > 1.1 * popularity


def test_bpr_fold_in_does_not_depend_on_the_batch(sparse_split: Split) -> None:
    bpr = BPR(negatives="uniform", fold_in="bpr", embedding_size=8, epochs=2, seed=0).fit(sparse_split.fit)
    batch = sparse_split.fit.histories()
    together = bpr.score(batch)[:3]
    alone = bpr.score(sparse_split.fit.histories([str(u) for u in batch.user_ids[:3]]))
    np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-5)
