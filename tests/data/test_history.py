"""Histories: single and batched, with the matrix a model scores."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from whyrec.data import History, HistoryBatch
from whyrec.errors import DataError


def test_of_items_defaults_to_weight_one() -> None:
    h = History.of_items([3, 1, 3], user_id="u1")
    assert h.items.tolist() == [3, 1, 3]
    assert h.items.dtype == np.int32
    assert h.weights.tolist() == [1.0, 1.0, 1.0]
    assert h.weights.dtype == np.float32
    assert h.timestamps is None
    assert (h.user_id, len(h)) == ("u1", 3)
    assert h.unique_items.tolist() == [1, 3]


def test_without_removes_every_event_on_the_items() -> None:
    h = History(np.array([3, 1, 3, 2], np.int32), np.array([1, 2, 4, 8], np.float32),
                np.array([10, 20, 30, 40], np.int64), "u1")
    cut = h.without([3])
    assert cut.items.tolist() == [1, 2]
    assert cut.weights.tolist() == [2.0, 8.0]
    assert cut.timestamps is not None and cut.timestamps.tolist() == [20, 40]
    assert cut.user_id == "u1"
    assert h.items.tolist() == [3, 1, 3, 2]  # the original is unchanged
    assert h.without([]).items.tolist() == [3, 1, 3, 2]
    assert h.without(np.array([1, 2, 3])).items.tolist() == []
    assert h.without([9]).items.tolist() == [3, 1, 3, 2]  # an item not in the history


def test_last_keeps_the_most_recent() -> None:
    h = History(np.array([5, 6, 7], np.int32), np.array([1, 2, 3], np.float32), np.array([1, 2, 3], np.int64))
    assert h.last(2).items.tolist() == [6, 7]
    assert h.last(2).timestamps.tolist() == [2, 3]  # type: ignore[union-attr]
    assert h.last(10).items.tolist() == [5, 6, 7]
    assert h.last(0).items.tolist() == []


def _batch() -> HistoryBatch:
    a = History.of_items([3, 1, 3], [1.0, 2.0, 4.0], user_id="u1")
    b = History.of_items([0], [0.5])
    c = History.of_items([])
    return HistoryBatch.from_histories([a, b, c], n_items=4)


def test_batch_stacks_histories() -> None:
    batch = _batch()
    assert len(batch) == 3
    assert batch.indptr.tolist() == [0, 3, 4, 4]
    assert batch.items.tolist() == [3, 1, 3, 0]
    assert batch.user_ids == ("u1", None, None)
    assert batch.timestamps is None
    assert batch[0].items.tolist() == [3, 1, 3]
    assert batch[-1].items.tolist() == []
    assert [h.items.tolist() for h in batch[1:]] == [[0], []]
    assert [len(h) for h in batch] == [3, 1, 0]


def test_batch_matrix_sums_duplicate_items() -> None:
    m = _batch().matrix
    assert m.shape == (3, 4)
    assert m.dtype == np.float32
    # history 0 holds item 3 twice (1 + 4) and item 1 once (2)
    assert m.toarray().tolist() == [[0.0, 2.0, 0.0, 5.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    assert m.nnz == 3


def test_batch_binary_marks_presence() -> None:
    assert _batch().binary.toarray().tolist() == [[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0], [0.0] * 4]


def test_batch_keeps_timestamps_only_when_every_history_has_them() -> None:
    timed = History(np.array([1], np.int32), np.array([1], np.float32), np.array([7], np.int64))
    assert HistoryBatch.from_histories([timed, timed], 2).timestamps.tolist() == [7, 7]  # type: ignore[union-attr]
    assert HistoryBatch.from_histories([timed, History.of_items([0])], 2).timestamps is None


def test_batch_rejects_items_outside_the_item_space() -> None:
    with pytest.raises(DataError, match=r"out of range \[0, 4\)"):
        HistoryBatch.from_histories([History.of_items([1, 4])], n_items=4)
    with pytest.raises(DataError):
        HistoryBatch.from_histories([History.of_items([-1])], n_items=4)


def test_empty_batch() -> None:
    batch = HistoryBatch.from_histories([], n_items=5)
    assert len(batch) == 0
    assert batch.matrix.shape == (0, 5)


def test_history_is_immutable() -> None:
    h = History.of_items([1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.items = np.array([2], np.int32)  # type: ignore[misc]
