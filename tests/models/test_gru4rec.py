"""GRU4Rec: order matters, it learns a sequential pattern, and it beats popularity on planted preferences."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset, History, HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split, evaluate, split_dataset
from whyrec.models import MostPopular
from whyrec.models.torch.gru4rec import GRU4Rec, left_padded, training_windows

from tests.models.sequences import cycles

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """One intra-op thread: on a shared 2-core machine torch's default threads oversubscribe it badly."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def cycle_model() -> tuple[GRU4Rec, Dataset]:
    data = cycles()
    model = GRU4Rec(embedding_size=16, hidden_size=32, max_length=6, epochs=40, batch_size=8, dropout=0.0,
                    learning_rate=0.01).fit(data)
    return model, data


def test_windows_cover_every_transition_once() -> None:
    windows = training_windows(np.array([0, 7, 8, 10]), np.arange(10), 3)
    np.testing.assert_array_equal(windows, [[4, 5, 6, 7], [1, 2, 3, 4], [0, 0, 9, 10]])
    np.testing.assert_array_equal(left_padded(np.array([0, 3]), np.array([5, 6, 7]), 5), [[0, 0, 6, 7, 8]])


def test_predicts_the_next_item_of_a_sequence(cycle_model: tuple[GRU4Rec, Dataset]) -> None:
    model, data = cycle_model
    index = [data.items.index_of(str(i)) for i in range(12)]
    for start in (0, 5, 9):
        history = History.of_items([index[(start + t) % 12] for t in range(3)])
        recs = model.recommend(HistoryBatch.from_histories([history], data.n_items), k=1)
        assert recs.items[0, 0] == index[(start + 3) % 12]


def test_order_changes_the_scores(cycle_model: tuple[GRU4Rec, Dataset]) -> None:
    model, data = cycle_model
    items = [data.items.index_of(str(i)) for i in (3, 4, 5)]
    forward = HistoryBatch.from_histories([History.of_items(items)], data.n_items)
    backward = HistoryBatch.from_histories([History.of_items(items[::-1])], data.n_items)
    a, b = model.score(forward)[0], model.score(backward)[0]
    assert not np.allclose(a, b, atol=1e-3)
    assert np.argmax(a) == data.items.index_of("6") and np.argmax(b) != np.argmax(a)


def test_beats_popularity_on_planted_preferences() -> None:
    dataset, _ = DataSource(source="synthetic", synthetic_events=20_000).load()
    split: Split = split_dataset(dataset)
    model = GRU4Rec(embedding_size=32, hidden_size=64, max_length=20, epochs=6, batch_size=64,
                    learning_rate=0.005).fit(split.fit)
    ours = evaluate(model, split, ks=(10,)).summary["ndcg@10"]
    pop = evaluate(MostPopular().fit(split.fit), split, ks=(10,)).summary["ndcg@10"]
    assert ours > pop * 1.1, (ours, pop)
