"""BPR by SGD with uniform negatives, and BPR's fold-in: the user vector that maximises its objective for a history.

Both loops are numba kernels (per-pair SGD and a per-history Adam cannot be vectorised without large
temporaries). The random draws are numpy's, made outside the kernels, so a seed gives the same model.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np
import scipy.sparse as sp

__all__ = ["bpr_fold_in", "bpr_sgd"]

_REDRAWS = 4
"""Negative candidates drawn per pair: the first one the user has not had is used."""


def _canonical(matrix: sp.csr_array | sp.csr_matrix) -> sp.csr_array:
    rows = sp.csr_array(matrix, dtype=np.float64, copy=True)
    rows.sum_duplicates()  # sorted column indices: the kernels look items up by bisection
    return rows


@numba.njit(cache=True, nogil=True)
def _holds(indices: np.ndarray, lo: int, hi: int, item: int) -> bool:
    at = lo + np.searchsorted(indices[lo:hi], item)
    return bool(at < hi and indices[at] == item)


@numba.njit(cache=True, nogil=True)
def _sgd_epoch(indptr: np.ndarray, indices: np.ndarray, users_of: np.ndarray, order: np.ndarray,
               candidates: np.ndarray, p: np.ndarray, q: np.ndarray, bias: np.ndarray, lr: float,
               reg: float) -> None:  # pragma: no cover - compiled
    f = q.shape[1]
    for t in range(order.shape[0]):
        e = order[t]
        u, i = users_of[e], indices[e]
        j = candidates[t, 0]
        for c in range(candidates.shape[1]):
            j = candidates[t, c]
            if not _holds(indices, indptr[u], indptr[u + 1], j):
                break
        x = bias[i] - bias[j]
        for k in range(f):
            x += p[u, k] * (q[i, k] - q[j, k])
        g = 1.0 / (1.0 + np.exp(min(max(x, -50.0), 50.0)))  # d log sigma(x) / dx
        for k in range(f):
            pu, qi, qj = p[u, k], q[i, k], q[j, k]
            p[u, k] += lr * (g * (qi - qj) - reg * pu)
            q[i, k] += lr * (g * pu - reg * qi)
            q[j, k] += lr * (-g * pu - reg * qj)
        bias[i] += lr * (g - reg * bias[i])
        bias[j] += lr * (-g - reg * bias[j])


def bpr_sgd(matrix: sp.csr_array, factors: int, *, learning_rate: float, regularization: float, epochs: int,
            seed: int, on_epoch: Callable[[], object] | None = None,
            initial_items: np.ndarray | None = None, initial_bias: np.ndarray | None = None,
            negative_exponent: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user factors, item factors, item bias) trained by BPR, negatives drawn in proportion to count^exponent.

    Each epoch visits every (user, positive item) pair once in a seeded random order, paired with a negative
    item the user has not interacted with, and takes one SGD step per pair (Rendle et al. 2009). Exponent 0
    draws negatives uniformly over the items of the data (the paper's and cornac's sampler); 1 in proportion
    to how often an item occurs (implicit's). At 1 positives and negatives have the same item distribution,
    so the item bias cannot learn popularity, which on sparse data leaves the ranking below plain popularity;
    at 0 popular items are rarely contrasted, which costs accuracy on dense data; 0.5 does well on both
    (docs/benchmarks/accuracy_bpr_als.md).
    """
    rows = _canonical(matrix)
    n_users, n_items = rows.shape
    rng = np.random.default_rng(seed)
    indptr, indices = rows.indptr.astype(np.int64), rows.indices.astype(np.int64)
    users_of = np.repeat(np.arange(n_users, dtype=np.int64), np.diff(indptr))
    p = rng.standard_normal((n_users, factors)) * 0.01
    q = (rng.standard_normal((n_items, factors)) * 0.01) if initial_items is None else initial_items.astype(np.float64)
    q = np.ascontiguousarray(q)
    bias = np.zeros(n_items) if initial_bias is None else initial_bias.astype(np.float64)
    counts = np.bincount(indices, minlength=n_items).astype(np.float64)
    cumulative = np.cumsum(np.where(counts > 0, counts**negative_exponent, 0.0))
    cumulative /= cumulative[-1]
    for _ in range(epochs):
        order = rng.permutation(len(indices)).astype(np.int64)
        if negative_exponent == 0.0:
            candidates = rng.integers(0, n_items, size=(len(indices), _REDRAWS), dtype=np.int64)
        else:
            candidates = np.minimum(np.searchsorted(cumulative, rng.random((len(indices), _REDRAWS))), n_items - 1)
        _sgd_epoch(indptr, indices, users_of, order, candidates, p, q, bias, learning_rate, regularization)
        if on_epoch is not None:
            on_epoch()
    return p.astype(np.float32), q.astype(np.float32), bias.astype(np.float32)


@numba.njit(cache=True, nogil=True)
def _affine(u: np.ndarray, q: np.ndarray, b: np.ndarray, item: int) -> float:  # pragma: no cover - compiled
    total = float(b[item])
    for k in range(u.shape[0]):
        total += u[k] * q[item, k]
    return total


@numba.njit(cache=True, nogil=True)
def _axpy(out: np.ndarray, scale: float, q: np.ndarray, item: int) -> None:  # pragma: no cover - compiled
    for k in range(out.shape[0]):
        out[k] += scale * q[item, k]


@numba.njit(cache=True, parallel=True)
def _fold_in(indptr: np.ndarray, indices: np.ndarray, q: np.ndarray, b: np.ndarray, negatives: np.ndarray,
             reg: float, steps: int, lr: float, out: np.ndarray) -> None:  # pragma: no cover - compiled
    f, n_neg = q.shape[1], negatives.shape[0]
    beta1, beta2 = 0.9, 0.999
    for r in numba.prange(indptr.shape[0] - 1):
        lo, hi = indptr[r], indptr[r + 1]
        if hi == lo:
            continue
        valid = np.empty(n_neg, np.bool_)
        for c in range(n_neg):
            valid[c] = not _holds(indices, lo, hi, negatives[c])
        pairs = max(1.0, (hi - lo) * valid.sum())
        u, m, v, grad = np.zeros(f), np.zeros(f), np.zeros(f), np.zeros(f)
        s_pos, s_neg = np.empty(hi - lo), np.empty(n_neg)
        w_pos, w_neg = np.empty(hi - lo), np.empty(n_neg)
        for t in range(1, steps + 1):
            for a in range(hi - lo):
                s_pos[a] = _affine(u, q, b, indices[lo + a])
                w_pos[a] = 0.0
            for c in range(n_neg):
                s_neg[c] = _affine(u, q, b, negatives[c])
                w_neg[c] = 0.0
            for a in range(hi - lo):
                for c in range(n_neg):
                    if valid[c]:
                        w = 1.0 / (1.0 + np.exp(min(max(s_pos[a] - s_neg[c], -50.0), 50.0)))
                        w_pos[a] += w
                        w_neg[c] += w
            for k in range(f):
                grad[k] = -2.0 * reg * u[k]
            for a in range(hi - lo):
                _axpy(grad, w_pos[a] / pairs, q, indices[lo + a])
            for c in range(n_neg):
                _axpy(grad, -w_neg[c] / pairs, q, negatives[c])
            for k in range(f):
                m[k] = beta1 * m[k] + (1 - beta1) * grad[k]
                v[k] = beta2 * v[k] + (1 - beta2) * grad[k] * grad[k]
                u[k] += lr * (m[k] / (1 - beta1**t)) / (np.sqrt(v[k] / (1 - beta2**t)) + 1e-8)
        out[r] = u


def bpr_fold_in(matrix: sp.csr_array, item_factors: np.ndarray, item_bias: np.ndarray, negatives: np.ndarray, *,
                regularization: float, steps: int, learning_rate: float = 0.1) -> np.ndarray:
    """(n_rows, factors) user vectors, each maximising mean log sigma(x_ui - x_uj) - regularization |u|^2.

    The pairs are every history item i against every fixed negative j that is not in the history, the
    objective BPR trains on (Rendle et al. 2009) restricted to one user; it is concave in u, so Adam from
    zero reaches the same vector whatever the batch. The shared uniform negatives keep a history's vector
    independent of which other histories are scored with it. Histories are solved in parallel.
    """
    rows = _canonical(matrix)
    q = np.ascontiguousarray(item_factors, dtype=np.float64)
    out = np.zeros((rows.shape[0], q.shape[1]))
    _fold_in(rows.indptr.astype(np.int64), rows.indices.astype(np.int64), q,
             np.ascontiguousarray(item_bias, dtype=np.float64), negatives.astype(np.int64),
             float(regularization), int(steps), float(learning_rate), out)
    return out.astype(np.float32)
