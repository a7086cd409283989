"""Edit scoring: scores of one history without sets of its items, faster than scoring each edit from scratch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.history import History

__all__ = ["EditScorer", "LinearEdits"]


@runtime_checkable
class EditScorer(Protocol):
    """A model that re-scores edited versions of one history faster than scoring them from scratch."""

    def edits_of(self, history: History, *,
                 scores: FloatArray | None = None) -> Callable[[Sequence[Iterable[int]]], FloatArray]:
        """A function: removals -> (len(removals), n_items) scores of `history` without each set of items.

        The returned function keeps whatever it precomputed for `history`, so call it many times. `scores`
        are the history's own scores when the caller already has them (a model may reuse them).
        """
        ...


class LinearEdits:
    """Scores of one history without sets of its items, for a model linear in its history row.

    Removing items R from the history subtracts sum_{j in R} w_j * row_j from the full score, so each edit
    costs |R| rows instead of a fresh matrix product. Call it with removals (the `EditScorer` contract).

    Args:
        weight: (n_items,) the history's input weights w (0 for items not in it).
        base: (n_items,) the full history's scores.
        item_rows: item indices -> (len, n_items) dense rows of the model's item-item matrix.
    """

    def __init__(self, weight: np.ndarray, base: np.ndarray, item_rows: Callable[[list[int]], np.ndarray]) -> None:
        self.weight = np.asarray(weight, dtype=np.float64)
        self.base = np.asarray(base, dtype=np.float64)
        self.base32 = self.base.astype(np.float32)
        self.item_rows = item_rows

    def __call__(self, removals: Sequence[Iterable[int]]) -> FloatArray:
        """(len(removals), n_items) scores without each set of items."""
        weight = self.weight
        # one product for the whole batch: (removals x removed items) weights @ their rows
        sets = [np.fromiter(r, dtype=np.int64, count=len(r))
                for r in (removal if isinstance(removal, frozenset | set) else set(removal) for removal in removals)]
        flat = np.concatenate(sets) if sets else np.empty(0, dtype=np.int64)
        flat_rows = np.repeat(np.arange(len(sets)), [len(r) for r in sets])
        in_range = (flat >= 0) & (flat < len(weight))
        flat, flat_rows = flat[in_range], flat_rows[in_range]
        present = weight[flat] != 0  # items not in the history change nothing
        flat, flat_rows = flat[present], flat_rows[present]
        if not len(flat):
            return np.tile(self.base32, (len(sets), 1))
        removed, column = np.unique(flat, return_inverse=True)
        rows = self.item_rows(removed.tolist())
        # computed in the rows' precision: float32 rows (EASE) make this several times cheaper than float64
        coef = np.zeros((len(sets), len(removed)), dtype=rows.dtype)
        coef[flat_rows, column] = weight[flat]
        return ((self.base32 if rows.dtype == np.float32 else self.base) - coef @ rows).astype(np.float32, copy=False)

    def prefixes(self, orders: IndexArray) -> FloatArray:
        """(n_orders, steps, n_items) scores without the first 1..steps items of each row of `orders`.

        `orders` is (n_orders, steps) distinct history items per row; -1 pads a short row (removes nothing).
        One cumulative sum gives every prefix, where sets would cost a product each.
        """
        orders = np.asarray(orders, dtype=np.int64)
        padded = orders < 0
        flat = np.where(padded, 0, orders).ravel()
        coef = np.where(padded, 0.0, self.weight[np.where(padded, 0, orders)])
        rows = self.item_rows(flat.tolist()).reshape(*orders.shape, -1)
        removed = rows * coef.astype(rows.dtype)[:, :, None]
        for step in range(1, removed.shape[1]):  # a running sum; np.cumsum over a middle axis is many times slower
            np.add(removed[:, step - 1], removed[:, step], out=removed[:, step])
        return ((self.base32 if rows.dtype == np.float32 else self.base) - removed).astype(np.float32, copy=False)
