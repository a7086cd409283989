"""Items like an item: what the model scores highest for a history of that item alone, and why."""

from __future__ import annotations

import numpy as np

from whyrec.data.history import History, HistoryBatch
from whyrec.serve.cache import LRUCache
from whyrec.serve.lifecycle import RunLifecycle
from whyrec.serve.schemas import SimilarItemOut, SimilarItemsOut
from whyrec.serve.served_run import ServedRun

__all__ = ["SimilarItems"]


class SimilarItems:
    """Similar-item lists, cached by (run version, item).

    Args:
        runs: the served run.
    """

    def __init__(self, runs: RunLifecycle) -> None:
        self.runs = runs
        self._similar: LRUCache[tuple[int, int], list[SimilarItemOut]] = LRUCache(2048)

    def similar(self, item_id: str, *, k: int) -> SimilarItemsOut:
        """Items the model scores highest for a history of `item_id` alone, with shared attributes and the
        number of training users who interacted with both.

        Raises:
            ItemNotFoundError: the run does not know the item.
        """
        served = self.runs.served
        item = served.item_index(item_id, loc=("path", "item_id"))
        key = (served.version, item)
        cached = self._similar.get(key)
        if cached is None or len(cached) < k:
            cached = self._similar_items(served, item, max(k, 20))
            self._similar.put(key, cached)
        return SimilarItemsOut(item_id=item_id, title=served.fit.catalog.label(item), model=served.model_name,
                               items=cached[:k])

    def clear(self) -> None:
        """Drop every list (after a run swap)."""
        self._similar.clear()

    def _similar_items(self, served: ServedRun, item: int, k: int) -> list[SimilarItemOut]:
        scores = served.model.score(HistoryBatch.from_histories([History.of_items([item])], served.n_items))[0]
        co = served.co_counts(item)
        allowed = served.candidates[served.candidates != item]
        key = np.where(np.isfinite(scores[allowed]), scores[allowed], -np.inf)
        order = np.lexsort((allowed, -co[allowed], -key))[:k]
        mine = set(served.item_tags[item])
        out = []
        for rank, j in enumerate(allowed[order].tolist()):
            shared = [t for t in served.item_tags[j] if t in mine]
            out.append(SimilarItemOut(item_id=served.fit.items.id_of(j), title=served.fit.catalog.label(j),
                                      rank=rank + 1, score=float(scores[j]), shared_attributes=shared,
                                      co_interactions=int(co[j])))
        return out
