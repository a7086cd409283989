"""Batched ALS fold-in: the closed-form user step of Hu, Koren & Volinsky (2008) for many histories at once.

For item factors Y, regularization lambda and a history with items h and confidences c (d = c - 1), the
user vector solves A x = Y_h^T c with A = A0 + Y_h^T D Y_h, A0 = Y^T Y + lambda I = L L^T. With V = Y L^-T
fixed once, Woodbury gives x = L^-T V_h^T w, w = (I + D K)^-1 c, K = V_h V_h^T: per history an m x m system
(m items) instead of a factors x factors one, and one triangular solve for all histories together.
Histories are grouped by length and padded with items of confidence 0, whose rows of I + D K are unit
rows, so padding adds nothing to x.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse as sp

from whyrec._threads import one_blas_thread

__all__ = ["FoldIn"]

_CELLS = 1 << 15
"""Padded history entries per group solved at once (bounds the (rows, m, factors) gathers)."""
_STACKED = 32
"""Histories up to this length are solved as stacked arrays; longer ones one by one with BLAS, which numpy's
stacked matmul and solve do not use."""


class FoldIn:
    """Folds histories into user vectors against fixed item factors.

    Args:
        item_factors: (n_items, factors) item factors.
        regularization: the L2 penalty lambda.
        alpha: confidence scale: an observed item of weight w has confidence alpha * w.
    """

    def __init__(self, item_factors: np.ndarray, *, regularization: float, alpha: float) -> None:
        self.y: npt.NDArray[np.float64] = np.asarray(item_factors, dtype=np.float64)
        self.alpha = alpha
        f = self.y.shape[1]
        self.base = self.y.T @ self.y + regularization * np.eye(f)
        self.lower = scipy.linalg.cholesky(self.base, lower=True)
        self.v: npt.NDArray[np.float64] = scipy.linalg.solve_triangular(self.lower, self.y.T, lower=True).T

    def __call__(self, rows: sp.csr_array) -> npt.NDArray[np.float64]:
        """(n_rows, factors) float64 user vectors of each row of `rows` (item weights; empty rows give 0).

        Rows longer than the factor count are solved directly (A x = b), which is cheaper there.
        """
        # small per-history systems: BLAS threads only contend there (implicit's advice)
        with one_blas_thread():
            return self._solve(rows)

    def _solve(self, rows: sp.csr_array) -> npt.NDArray[np.float64]:
        n_rows, f = rows.shape[0], self.y.shape[1]
        out = np.zeros((n_rows, f))  # V_h^T w of each history; x = L^-T of it, for all rows at the end
        lengths = np.diff(rows.indptr)
        wide = np.flatnonzero((lengths > _STACKED) & (lengths <= f))
        for r in wide:
            items, weights = _row(rows, int(r))
            out[r] = self._one(items, self.alpha * weights)
        short = np.flatnonzero((lengths > 0) & (lengths <= _STACKED))
        short = short[np.argsort(lengths[short], kind="stable")]
        lo = 0
        while lo < len(short):
            m = int(lengths[short[lo]])
            # rows padded to the next power of two of their length, as many as fit in _CELLS entries
            width = 1 << (m - 1).bit_length()
            group = short[lo:lo + max(1, _CELLS // width)]
            group = group[lengths[group] <= width]
            out[group] = self._woodbury(rows, group, int(lengths[group].max()))
            lo += len(group)
        out = scipy.linalg.solve_triangular(self.lower, out.T, lower=True, trans="T").T
        for r in np.flatnonzero(lengths > f):
            items, weights = _row(rows, int(r))
            out[r] = self._direct(items, self.alpha * weights)
        return np.asarray(out)

    def _woodbury(self, rows: sp.csr_array, group: np.ndarray, width: int) -> npt.NDArray[np.float64]:
        n = len(group)
        items = np.zeros((n, width), dtype=np.int64)
        confidence = np.zeros((n, width))
        starts, lengths = rows.indptr[group], np.diff(rows.indptr)[group]
        slot = np.arange(width)
        filled = slot[None, :] < lengths[:, None]
        where = (starts[:, None] + slot[None, :])[filled]
        items[filled] = rows.indices[where]
        confidence[filled] = self.alpha * rows.data[where].astype(np.float64)
        v_h = self.v[items]  # (n, width, f)
        k = np.matmul(v_h, v_h.transpose(0, 2, 1))  # (n, width, width): y_i^T A0^-1 y_j
        d = np.where(filled, confidence - 1.0, 0.0)
        system = d[:, :, None] * k
        system[:, slot, slot] += 1.0
        w = np.linalg.solve(system, confidence[:, :, None])[:, :, 0]
        out: npt.NDArray[np.float64] = np.einsum("nmf,nm->nf", v_h, w)
        return out

    def _one(self, items: np.ndarray, confidence: np.ndarray) -> npt.NDArray[np.float64]:
        v_h = self.v[items]
        system = (confidence - 1.0)[:, None] * (v_h @ v_h.T)
        system[np.diag_indices_from(system)] += 1.0
        return np.asarray(v_h.T @ np.linalg.solve(system, confidence))

    def _direct(self, items: np.ndarray, confidence: np.ndarray) -> npt.NDArray[np.float64]:
        y_h = self.y[items]
        system = self.base + (y_h * (confidence - 1.0)[:, None]).T @ y_h
        return np.asarray(np.linalg.solve(system, y_h.T @ confidence))


def _row(rows: sp.csr_array, r: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = rows.indptr[r], rows.indptr[r + 1]
    return rows.indices[lo:hi], rows.data[lo:hi].astype(np.float64)
