"""Beyond-accuracy measures of a set of recommendation lists."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from whyrec.data.catalog import AttributeTable

__all__ = ["average_popularity", "catalog_coverage", "intra_list_diversity", "novelty"]


def catalog_coverage(ranked: np.ndarray, catalog_size: int, k: int) -> float:
    """Distinct items in any top-K list / catalog size.

    Example:
        >>> catalog_coverage(np.array([[0, 1], [1, 2]]), 10, 2)
        0.3
    """
    top = ranked[:, :k]
    return len(np.unique(top[top >= 0])) / max(1, catalog_size)


def average_popularity(ranked: np.ndarray, popularity: np.ndarray, k: int) -> float:
    """Mean, over every recommended item in the top-K lists, of its interaction count in the fit data."""
    top = ranked[:, :k]
    top = top[top >= 0]
    return float(popularity[top].mean()) if len(top) else 0.0


def novelty(ranked: np.ndarray, popularity: np.ndarray, n_users: int, k: int) -> float:
    """Mean self-information -log2(share of users who interacted) of recommended items (higher = less known)."""
    top = ranked[:, :k]
    top = top[top >= 0]
    if not len(top):
        return 0.0
    share = np.clip(popularity[top] / max(1, n_users), 1.0 / max(1, n_users), 1.0)
    return float(-np.log2(share).mean())


def intra_list_diversity(ranked: np.ndarray, attributes: AttributeTable, attribute: str, k: int) -> np.ndarray:
    """Per list: mean pairwise Jaccard distance between the items' values of `attribute`.

    Items without a value count as distance 1 from everything. Returns (n_lists,) float64 (NaN for lists
    with fewer than two items).
    """
    values = attributes.categorical[attribute]
    top = np.asarray(ranked[:, :k], dtype=np.int64)
    valid = top >= 0
    slots = np.where(valid, top, len(values))  # empty slots read an item with no values
    incidence = _incidence(values)
    n = valid.sum(1)
    pairs = valid[:, :, None] & valid[:, None, :] & np.triu(np.ones((top.shape[1],) * 2, dtype=bool), 1)
    total = np.zeros(len(top))
    sizes = np.diff(incidence.indptr)
    if sizes.max(initial=0) <= 1:
        # one value per item: two items share all or nothing
        one = np.flatnonzero(sizes == 1)
        item_code = np.full(len(sizes), -1, dtype=np.int64)
        item_code[one] = incidence.indices[incidence.indptr[one]]
        code = item_code[slots]
        same = (code[:, :, None] == code[:, None, :]) & (code[:, :, None] >= 0)
        total = np.count_nonzero(pairs & ~same, axis=(1, 2)).astype(np.float64)
    else:
        per_chunk = max(1, _CHUNK_ROWS // max(1, top.shape[1]))
        for lo in range(0, len(top), per_chunk):
            chunk = slots[lo:lo + per_chunk]
            m, width = chunk.shape
            rows = incidence[chunk.ravel()]
            # intersections of every pair of slots in the chunk; the diagonal blocks are the lists' own pairs
            inter = (rows @ rows.T).toarray().reshape(m, width, m, width)[np.arange(m), :, np.arange(m), :]
            size = sizes[chunk].astype(np.float64)
            union = size[:, :, None] + size[:, None, :] - inter
            similarity = np.divide(inter, union, out=np.zeros_like(union), where=union > 0)
            total[lo:lo + m] = np.where(pairs[lo:lo + m], 1.0 - similarity, 0.0).sum((1, 2))
    out = np.full(len(top), np.nan)
    enough = n >= 2
    out[enough] = total[enough] / (n[enough] * (n[enough] - 1) / 2)
    return out


_CHUNK_ROWS = 256
"""List slots per sparse product in `intra_list_diversity` (the product is this size squared)."""


def _incidence(values: tuple[tuple[str, ...], ...]) -> sp.csr_array:
    """(n_items + 1, n_values) 0/1 matrix of each item's distinct values; the last row is empty."""
    codes: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for item_values in values:
        distinct = sorted({codes.setdefault(v, len(codes)) for v in item_values})
        indices.extend(distinct)
        indptr.append(len(indices))
    indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_array((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                        shape=(len(values) + 1, max(1, len(codes))))
