"""Top-k lists from an item index: over-fetch, drop seen and filtered items, rescore, fall back to exact."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import HistoryBatch
from whyrec.errors import ConfigError
from whyrec.models.base import BaseRecommender
from whyrec.models.capabilities import DotProductScorer
from whyrec.models.ranking import Recommendations, top_k
from whyrec.retrieval.config import Retrieval, RetrievalConfig, uses_index
from whyrec.retrieval.index import ItemIndex, run_index

__all__ = ["Retrieved", "Retriever", "retriever_for"]

#: Above this share of the catalog fetched, scoring every item is cheaper than asking the index.
_EXACT_SHARE = 0.2
#: Quantile of the history lengths in a batch that the fetch size covers.
_TYPICAL = 0.9
#: HNSW candidate list per item fetched.
_WIDEN = 2
#: Lists rescored at once ((rows, fetched, dim) float32 at a time).
_ROWS = 64


@dataclass(frozen=True)
class Retrieved(Recommendations):
    """Top-k lists and how each was found.

    Attributes:
        approximate: (n_histories,) bool, True where the list came from the index, False where it was ranked
            exactly (too few items left after seen items and filters, or a candidate set small enough to score).
    """

    approximate: np.ndarray

    @property
    def retrieval(self) -> Retrieval:
        """``approximate`` when any list came from the index, else ``exact``."""
        return "approximate" if bool(self.approximate.any()) else "exact"


class Retriever:
    """Approximate `recommend` for a dot-product model.

    Each list asks the index for ``overfetch * (k + history size)`` items (the 90th percentile of the
    batch's history sizes) (scaled up by the share of the
    catalog that `candidates` removes), drops seen and disallowed ones, rescores the rest from the model's
    vectors and keeps the k best (ties: lower item index). A list with fewer than k items left is ranked
    exactly by the model, so a filter never shortens a list.

    Args:
        model: a fitted model with `DotProductScorer` vectors.
        index: the index of ``model.item_vectors()``.
        config: search parameters.
    """

    def __init__(self, model: BaseRecommender[Any], index: ItemIndex, config: RetrievalConfig) -> None:
        if not isinstance(model, DotProductScorer):
            raise ConfigError(f"approximate retrieval: model {model.name!r} has no item vectors to search.",
                              field="ann")
        self.model = model
        self._scorer: DotProductScorer = model
        self.index = index
        self.config = config
        self._vectors = np.ascontiguousarray(model.item_vectors(), dtype=np.float32)

    def recommend(self, histories: HistoryBatch, k: int, *, exclude_seen: bool = True,
                  candidates: IndexArray | None = None) -> Retrieved:
        """The k best items per history, found in the index (same arguments as `Recommender.recommend`)."""
        if k < 1:
            raise ConfigError(f"k must be an int in the range [1, inf). Got {k!r} instead.", field="k")
        n_items = self.index.n_items
        allowed = None
        n_allowed = n_items
        if candidates is not None:
            allowed = np.zeros(n_items, dtype=bool)
            allowed[candidates] = True
            n_allowed = int(allowed.sum())
        seen = histories.binary
        n_seen = np.diff(seen.indptr) if exclude_seen else np.zeros(len(histories), dtype=np.int64)
        # sized for most histories: the longest ones may come up short and are then ranked exactly
        typical = float(np.quantile(n_seen, _TYPICAL)) if len(histories) else 0.0
        fetch = math.ceil((k + typical) * self.config.overfetch * n_items / max(n_allowed, 1))
        if fetch > _EXACT_SHARE * n_items or len(histories) == 0:
            return self._exact(histories, k, exclude_seen, candidates, np.arange(len(histories)))
        queries = self._scorer.query_vectors(histories)
        # the list's items sit deep in what is fetched (behind the seen ones): search twice as wide
        ef = max(self.config.ef_search, _WIDEN * fetch)
        ids = np.sort(self.index.search(queries, fetch, ef_search=ef), axis=1)
        keep = ids >= 0
        if allowed is not None:
            keep &= allowed[np.maximum(ids, 0)]
        if exclude_seen and seen.nnz:
            rows = np.repeat(np.arange(len(histories), dtype=np.int64), np.diff(seen.indptr))
            seen_keys = rows * n_items + seen.indices
            keep &= ~np.isin(np.arange(len(histories), dtype=np.int64)[:, None] * n_items + ids, seen_keys)
        scores = np.full(ids.shape, -np.inf, dtype=np.float32)
        for lo in range(0, len(ids), _ROWS):
            block = slice(lo, lo + _ROWS)
            found = np.einsum("nd,nfd->nf", queries[block], self._vectors[np.maximum(ids[block], 0)])
            scores[block] = np.where(keep[block], found, -np.inf)
        best = top_k(scores, k)
        items = np.where(best.items >= 0, np.take_along_axis(ids, np.maximum(best.items, 0), axis=1), -1)
        short = np.flatnonzero(keep.sum(axis=1) < k)
        result = Retrieved(items.astype(np.int32), best.scores, np.ones(len(histories), dtype=bool))
        if len(short):
            exact = self._exact(histories, k, exclude_seen, candidates, short)
            result.items[short], result.scores[short] = exact.items, exact.scores
            result.approximate[short] = False
        return result

    def _exact(self, histories: HistoryBatch, k: int, exclude_seen: bool, candidates: IndexArray | None,
               rows: np.ndarray) -> Retrieved:
        batch = histories if len(rows) == len(histories) else HistoryBatch.from_histories(
            [histories[int(r)] for r in rows], histories.n_items)
        recs = self.model.recommend(batch, k, exclude_seen=exclude_seen, candidates=candidates)
        return Retrieved(recs.items, recs.scores, np.zeros(len(rows), dtype=bool))


def retriever_for(model: BaseRecommender[Any], n_items: int, config: RetrievalConfig, *,
                  run_dir: str | Path | None = None) -> Retriever | None:
    """A retriever when `config` asks for approximate lists of `model` over `n_items` items, else None.

    The index is read from ``run_dir/ann`` (built and saved there when missing or stale).

    Raises:
        ConfigError: mode ``on`` for a model without item vectors, or without faiss installed.
    """
    if not uses_index(config, model, n_items):
        return None
    vectors = model.item_vectors()  # type: ignore[attr-defined]
    index = run_index(run_dir, vectors, m=config.m, ef_construction=config.ef_construction)
    return Retriever(model, index, config)
