"""LightGCN: the fold-in scores like the learned user embedding; it beats popularity on planted preferences."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset, HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split, evaluate, split_dataset
from whyrec.models import MostPopular
from whyrec.models.torch.lightgcn import LightGCN, _propagate

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """One intra-op thread: on a shared 2-core machine torch's default threads oversubscribe it badly."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def synthetic_split() -> Split:
    dataset, _ = DataSource(source="synthetic", synthetic_events=20_000).load()
    return split_dataset(dataset)


def test_fold_in_ranks_like_the_learned_user_embedding(blocks: Dataset) -> None:
    model = LightGCN(embedding_size=8, n_layers=2, epochs=40, batch_size=32, learning_rate=0.01).fit(blocks)
    batch = blocks.histories()
    with torch.no_grad():
        layers = _propagate(model.module_(), model.graph_, model.config.n_layers)
        learned_users = torch.stack(layers).mean(0)[:blocks.n_users].numpy()
    learned = learned_users @ model.item_embeddings_.T
    folded = model.score(batch)
    correlations = [np.corrcoef(a, b)[0, 1] for a, b in zip(learned, folded, strict=True)]
    assert np.mean(correlations) > 0.9, correlations
    top_learned = np.argsort(-learned, axis=1)[:, :5]
    top_folded = np.argsort(-folded, axis=1)[:, :5]
    overlap = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(top_learned, top_folded, strict=True)])
    assert overlap >= 0.6


def test_torch_scorer_equals_score_and_has_gradients(blocks: Dataset) -> None:
    model = LightGCN(embedding_size=8, n_layers=2, epochs=5, batch_size=32).fit(blocks)
    batch = blocks.histories(["u0", "u1"])
    x = torch.from_numpy(batch.binary.toarray()).requires_grad_(True)
    scores = model.torch_scorer()(x)
    np.testing.assert_allclose(scores.detach().numpy(), model.score(batch), rtol=1e-5, atol=1e-6)
    scores[:, 3].sum().backward()
    assert x.grad is not None and np.abs(x.grad.numpy()).sum() > 0


def test_unseen_items_and_empty_histories_score_finite(blocks: Dataset) -> None:
    model = LightGCN(embedding_size=8, n_layers=2, epochs=3, batch_size=32).fit(blocks)
    empty = HistoryBatch.from_histories([blocks.history_from_items([])], blocks.n_items)
    assert np.all(model.score(empty) == 0)


def test_beats_popularity_on_planted_preferences(synthetic_split: Split) -> None:
    model = LightGCN(embedding_size=32, n_layers=2, epochs=15, batch_size=1024, learning_rate=0.01,
                     regularization=1e-3).fit(synthetic_split.fit)
    ours = evaluate(model, synthetic_split, ks=(10,)).summary["ndcg@10"]
    pop = evaluate(MostPopular().fit(synthetic_split.fit), synthetic_split, ks=(10,)).summary["ndcg@10"]
    assert ours > pop * 1.1, (ours, pop)
