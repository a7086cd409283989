"""The Explainer protocol and the scoring context every explainer shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Protocol

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.errors import UnsupportedModelError
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation
from whyrec.models.base import Recommender

__all__ = ["Explainer", "ScoredHistory", "UnsupportedModelError", "history_evidence", "rank_in"]


class Explainer(Protocol):
    """Explains why items were scored as they were for one history."""

    method: ClassVar[ExplainMethod]

    def supports(self, model: Recommender) -> bool: ...

    def explain(self, model: Recommender, history: History, items: IndexArray) -> list[Explanation]: ...


def rank_in(scores: FloatArray, item: int, excluded: np.ndarray) -> int | None:
    """1-based rank of `item` among the items not `excluded` (ties: lower index first); None if excluded."""
    if excluded[item] or not np.isfinite(scores[item]):
        return None
    own = scores[item]
    better = (scores > own) | ((scores == own) & (np.arange(len(scores)) < item))
    return int((better & ~excluded).sum()) + 1


@dataclass
class ScoredHistory:
    """A history, the model's scores for it, and which items may be ranked."""

    model: Recommender
    history: History
    n_items: int
    candidates: IndexArray | None = None
    scores: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.scores = self.model.score(HistoryBatch.from_histories([self.history], self.n_items))[0]

    @cached_property
    def excluded(self) -> np.ndarray:
        """Items that cannot be recommended: outside the candidates, or already in the history."""
        return excluded_mask(self.n_items, self.history.items, self.candidates)

    @cached_property
    def ranks(self) -> np.ndarray:
        """1-based rank of every item, 0 where it cannot be ranked (the rule of `rank_in`, for all items at once)."""
        rankable = ~self.excluded & np.isfinite(self.scores)
        allowed = np.flatnonzero(~self.excluded)
        # a stable sort keeps equal scores in index order: ties go to the lower index, as in rank_in
        order = allowed[np.argsort(-self.scores[allowed], kind="stable")]
        ranks = np.zeros(self.n_items, dtype=np.int64)
        ranks[order] = np.arange(1, len(order) + 1)
        ranks[~rankable] = 0
        return ranks

    def rank(self, item: int) -> int:
        """1-based rank of `item` (0 if it cannot be ranked)."""
        return int(self.ranks[item])


def excluded_mask(n_items: int, history_items: np.ndarray, candidates: IndexArray | None) -> np.ndarray:
    """True for items that cannot be recommended to this history."""
    mask = np.zeros(n_items, dtype=bool)
    if candidates is not None:
        mask[:] = True
        mask[candidates] = False
    mask[history_items] = True
    return mask


def history_evidence(dataset: Dataset, items: np.ndarray, weights: np.ndarray, score: float,
                     top_n: int | None) -> tuple[Evidence, ...]:
    """Evidence entries for history items, the strongest support first (the first `top_n`, or all).

    Ordered by signed weight, so a truncated list keeps the items that push the score up most (the reasons
    people are shown and the deletion test removes) and items that push it down come last.
    """
    order = np.argsort(-np.asarray(weights), kind="stable")
    if top_n is not None:
        order = order[:top_n]
    # plain Python numbers: per-element numpy scalars cost more than the rest of this function
    chosen, chosen_weights = np.asarray(items)[order].tolist(), np.asarray(weights, dtype=np.float64)[order].tolist()
    return tuple(
        Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=dataset.items.id_of(item), label=dataset.catalog.label(item),
                 weight=weight, share=weight / score if score else 0.0)
        for item, weight in zip(chosen, chosen_weights, strict=True)
    )
