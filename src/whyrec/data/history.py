"""Histories: the only input a model scores. Any sequence of item indices is a history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import overload

import numpy as np
import scipy.sparse as sp

from whyrec._types import FloatArray, IndexArray, Int64Array
from whyrec.errors import DataError

__all__ = ["History", "HistoryBatch"]


@dataclass(frozen=True, eq=False)
class History:
    """One shopper's interactions, oldest first, in the item-index space of a dataset.

    An item may occur more than once (a view, then a purchase); matrix models sum the weights.

    Attributes:
        items: (n,) int32 item indices.
        weights: (n,) float32 event weights.
        timestamps: (n,) int64 epoch seconds, or None when unknown.
        user_id: the shopper, or None for a new or anonymous one.
    """

    items: IndexArray
    weights: FloatArray
    timestamps: Int64Array | None = None
    user_id: str | None = None

    @classmethod
    def of_items(cls, items: Iterable[int], weights: Iterable[float] | None = None, *,
                 user_id: str | None = None) -> History:
        """A history of item indices, oldest first, each with weight 1 unless given."""
        index = np.asarray(list(items), dtype=np.int32)
        weight = np.ones(len(index), dtype=np.float32) if weights is None else np.asarray(list(weights), np.float32)
        return cls(index, weight, None, user_id)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def unique_items(self) -> IndexArray:
        """Distinct item indices, sorted."""
        return np.unique(self.items)

    def row(self, n_items: int, *, weighted: bool = True) -> np.ndarray:
        """(n_items,) float64 row of the history: summed event weights per item, or 1 per item (`weighted`
        False). The input of models linear in the history (EASE, attribute affinity); per explanation, a dense
        bincount is several times cheaper than a sparse row."""
        if weighted:
            return np.bincount(self.items, weights=self.weights, minlength=n_items)
        return (np.bincount(self.items, minlength=n_items) > 0).astype(np.float64)

    def without(self, items: Iterable[int]) -> History:
        """The same history with every event on `items` removed (for counterfactual checks)."""
        drop = np.isin(self.items, np.fromiter(items, dtype=np.int32))
        keep = ~drop
        stamps = None if self.timestamps is None else self.timestamps[keep]
        return History(self.items[keep], self.weights[keep], stamps, self.user_id)

    def last(self, n: int) -> History:
        """The `n` most recent events."""
        start = max(0, len(self.items) - n)
        stamps = None if self.timestamps is None else self.timestamps[start:]
        return History(self.items[start:], self.weights[start:], stamps, self.user_id)


@dataclass(frozen=True, eq=False)
class HistoryBatch(Sequence[History]):
    """Many histories stored as ragged arrays; ``batch[i]`` is a History.

    Attributes:
        indptr: (n_histories + 1,) int64 offsets into the event arrays.
        items: (n_events,) int32 item indices, each history oldest first.
        weights: (n_events,) float32.
        timestamps: (n_events,) int64, or None.
        user_ids: one id (or None) per history.
        n_items: size of the item-index space.
    """

    indptr: Int64Array
    items: IndexArray
    weights: FloatArray
    timestamps: Int64Array | None
    user_ids: tuple[str | None, ...]
    n_items: int = field(default=0)

    @classmethod
    def from_histories(cls, histories: Sequence[History], n_items: int) -> HistoryBatch:
        """Stack single histories into a batch over an item space of size `n_items`."""
        lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        items = np.concatenate([h.items for h in histories]).astype(np.int32) if histories else np.zeros(0, np.int32)
        weights = (np.concatenate([h.weights for h in histories]).astype(np.float32) if histories
                   else np.zeros(0, np.float32))
        stamps = None
        if histories and all(h.timestamps is not None for h in histories):
            stamps = np.concatenate([h.timestamps for h in histories]).astype(np.int64)
        return cls(indptr, items, weights, stamps, tuple(h.user_id for h in histories), n_items)

    def __post_init__(self) -> None:
        """Check the shapes, so that a bad batch fails here with a `DataError` and not inside a model.

        Raises:
            DataError: arrays that are not 1-D, of different lengths, offsets that do not cover the events,
                or item indices outside ``[0, n_items)``.
        """
        arrays: dict[str, np.ndarray] = {"indptr": self.indptr, "items": self.items, "weights": self.weights}
        if self.timestamps is not None:
            arrays["timestamps"] = self.timestamps
        if bad := [f"{name} {a.shape}" for name, a in arrays.items() if a.ndim != 1]:
            raise DataError(f"history batch: {', '.join(bad)} should be 1-D arrays.")
        n_events = len(self.items)
        lengths = {name: len(a) for name, a in arrays.items() if name != "indptr"}
        if len(set(lengths.values())) > 1:
            raise DataError(f"history batch: events have {lengths} entries; every array needs one per event.")
        indptr = self.indptr
        if (len(indptr) == 0 or indptr[0] != 0 or indptr[-1] != n_events or np.any(np.diff(indptr) < 0)
                or len(self.user_ids) != len(indptr) - 1):
            raise DataError(f"history batch: offsets {indptr[:3].tolist()}...{indptr[-1:].tolist()} for "
                            f"{len(self.user_ids)} user ids do not split {n_events} events into histories; expected "
                            f"non-decreasing offsets from 0 to {n_events}, one more than the histories.")
        if n_events and (self.items.min() < 0 or self.items.max() >= self.n_items):
            raise DataError(f"history item index out of range [0, {self.n_items}): got "
                            f"{int(self.items.min())}..{int(self.items.max())}. Build histories with the dataset "
                            "the model was fitted on.")

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @overload
    def __getitem__(self, i: int) -> History: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[History]: ...
    def __getitem__(self, i: int | slice) -> History | Sequence[History]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        stamps = None if self.timestamps is None else self.timestamps[lo:hi]
        return History(self.items[lo:hi], self.weights[lo:hi], stamps, self.user_ids[i])

    def __iter__(self) -> Iterator[History]:
        return (self[i] for i in range(len(self)))

    @cached_property
    def matrix(self) -> sp.csr_array:
        """(n_histories, n_items) float32 CSR of summed event weights."""
        rows = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.indptr))
        m = sp.csr_array((self.weights.astype(np.float32), (rows, self.items)), shape=(len(self), self.n_items),
                         dtype=np.float32)
        m.sum_duplicates()
        return m

    @cached_property
    def binary(self) -> sp.csr_array:
        """(n_histories, n_items) float32 CSR with 1 for every item in the history."""
        m = self.matrix.copy()
        m.data[:] = 1.0
        return m
