"""BPR by SGD with uniform negatives, and BPR's fold-in: the user vector that maximises its objective for a history."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

__all__ = ["bpr_fold_in", "bpr_sgd", "negative_sample"]


def negative_sample(n_items: int, size: int, seed: int) -> np.ndarray:
    """`size` distinct items drawn uniformly (seeded): the negatives every history is contrasted with."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_items, size=min(size, n_items), replace=False)).astype(np.int64)


def bpr_fold_in(matrix: sp.csr_array, item_factors: np.ndarray, item_bias: np.ndarray, negatives: np.ndarray, *,
                regularization: float, steps: int, learning_rate: float = 0.1) -> np.ndarray:
    """(n_rows, factors) user vectors, each maximising mean log sigma(x_ui - x_uj) - regularization |u|^2.

    The pairs are every history item i against every fixed negative j that is not in the history, the
    objective BPR trains on (Rendle et al. 2009) restricted to one user; it is concave in u, so Adam from
    zero converges to the same vector whatever the batch. The shared uniform negatives keep a history's
    vector independent of which other histories are scored with it.
    """
    rows = sp.csr_array(matrix)
    n, f = rows.shape[0], item_factors.shape[1]
    counts = np.diff(rows.indptr)
    row_of = np.repeat(np.arange(n), counts)
    items = rows.indices.astype(np.int64)
    q = item_factors.astype(np.float64)
    q_pos, b_pos = q[items], item_bias.astype(np.float64)[items]
    q_neg, b_neg = q[negatives], item_bias.astype(np.float64)[negatives]
    # a negative that the history holds is no negative for it
    valid = (rows[:, negatives].toarray() == 0)[row_of] if len(items) else np.zeros((0, len(negatives)), bool)
    pairs = np.maximum(np.bincount(row_of, weights=valid.sum(axis=1), minlength=n), 1.0)
    spread = sp.csr_array((np.ones(len(items)), (row_of, np.arange(len(items)))), shape=(n, len(items)))
    users = np.zeros((n, f))
    m, v = np.zeros_like(users), np.zeros_like(users)
    beta1, beta2 = 0.9, 0.999
    for t in range(1, steps + 1):
        s_pos = np.einsum("pf,pf->p", users[row_of], q_pos) + b_pos
        s_neg = users @ q_neg.T + b_neg  # (n, K)
        w = np.where(valid, 1.0 / (1.0 + np.exp(np.clip(s_pos[:, None] - s_neg[row_of], -50, 50))), 0.0)
        grad = spread @ (w.sum(axis=1)[:, None] * q_pos) - (spread @ w) @ q_neg
        grad = grad / pairs[:, None] - 2.0 * regularization * users
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        step = learning_rate * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + 1e-8)
        users += step
    users[counts == 0] = 0.0
    return users.astype(np.float32)


def bpr_sgd(matrix: sp.csr_array, factors: int, *, learning_rate: float, regularization: float, epochs: int,
            seed: int, batch_size: int = 1024, on_epoch: Callable[[], object] | None = None,
            initial_items: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user factors, item factors, item bias) trained by BPR with uniformly sampled negatives.

    Each epoch visits every (user, positive item) pair once in a seeded random order, paired with an item
    drawn uniformly from those the user has not interacted with (Rendle et al. 2009; cornac does the same,
    implicit instead draws negatives in proportion to popularity, which on sparse data leaves the ranking
    below plain popularity). Updates are per pair, applied a mini-batch at a time.
    """
    rows = sp.csr_array(matrix)
    n_users, n_items = rows.shape
    rng = np.random.default_rng(seed)
    users_of = np.repeat(np.arange(n_users), np.diff(rows.indptr))
    items_of = rows.indices.astype(np.int64)
    known = np.sort(users_of.astype(np.int64) * n_items + items_of)
    p = (rng.standard_normal((n_users, factors)) * 0.01)
    q = (rng.standard_normal((n_items, factors)) * 0.01) if initial_items is None else initial_items.astype(np.float64)
    bias = np.zeros(n_items)
    for _ in range(epochs):
        order = rng.permutation(len(items_of))
        for lo in range(0, len(order), batch_size):
            pick = order[lo:lo + batch_size]
            u, i = users_of[pick], items_of[pick]
            j = rng.integers(0, n_items, size=len(pick))
            for _retry in range(3):  # redraw negatives the user has seen
                key = u.astype(np.int64) * n_items + j
                seen = known[np.minimum(np.searchsorted(known, key), len(known) - 1)] == key
                if not seen.any():
                    break
                j[seen] = rng.integers(0, n_items, size=int(seen.sum()))
            pu, qi, qj = p[u], q[i], q[j]
            x = np.einsum("bf,bf->b", pu, qi - qj) + bias[i] - bias[j]
            g = 1.0 / (1.0 + np.exp(np.clip(x, -50, 50)))  # d log sigma(x) / dx
            np.add.at(p, u, learning_rate * (g[:, None] * (qi - qj) - regularization * pu))
            np.add.at(q, i, learning_rate * (g[:, None] * pu - regularization * qi))
            np.add.at(q, j, learning_rate * (-g[:, None] * pu - regularization * qj))
            np.add.at(bias, i, learning_rate * (g - regularization * bias[i]))
            np.add.at(bias, j, learning_rate * (-g - regularization * bias[j]))
        if on_epoch is not None:
            on_epoch()
    return p.astype(np.float32), q.astype(np.float32), bias.astype(np.float32)
