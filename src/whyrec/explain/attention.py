"""Attention rollout for self-attentive sequential models (SASRec).

Rollout (Abnar & Zuidema, ACL 2020): average each layer's heads, add the identity for the residual path,
renormalise rows, and multiply the layers; the last position's row says how much each input position flows
into the state that scores the items. It is a statement about the model's information flow, not an exact
attribution, so it is labelled ``attention`` and measured by the same fidelity tests as every other method.
"""

from __future__ import annotations

import time
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ScoredHistory, UnsupportedModelError, history_evidence
from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.models.base import Recommender

__all__ = ["AttentionExplainer", "AttentionScorer", "rollout"]


@runtime_checkable
class AttentionScorer(Protocol):
    """A model that exposes its attention maps for a history (see ``whyrec.models.torch.sasrec``)."""

    def attention(self, history: History):  # type: ignore[no-untyped-def]  # -> AttentionMaps
        ...


def rollout(weights: tuple[np.ndarray, ...]) -> np.ndarray:
    """(L,) share of the last position's state that flows from each input position.

    Args:
        weights: one (heads, L, L) array per layer, first layer first.
    """
    length = weights[0].shape[-1]
    flow = np.eye(length)
    for layer in weights:
        mixed = layer.mean(0) + np.eye(length)
        mixed = mixed / mixed.sum(1, keepdims=True)
        flow = mixed @ flow
    return flow[-1]


class AttentionExplainer:
    """History items weighted by attention rollout onto their positions (repeated items add up).

    Weights are shares of the final state (they sum to 1 over positions), not score units.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.ATTENTION

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None) -> None:
        self.dataset = dataset
        self.top_n = top_n
        self.candidates = candidates

    def supports(self, model: Recommender) -> bool:
        """True for models with attention maps."""
        return isinstance(model, AttentionScorer)

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item; the rollout is the same for every item of one history."""
        if not isinstance(model, AttentionScorer):
            raise UnsupportedModelError(self.method, model.name, "attention maps (AttentionScorer)")
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        started = time.perf_counter()
        maps = model.attention(history)
        flow = rollout(maps.weights)
        used = maps.slots >= 0
        events = maps.slots[used]
        distinct = np.unique(history.items[events]) if len(events) else np.zeros(0, dtype=np.int32)
        weights = np.zeros(len(distinct))
        np.add.at(weights, np.searchsorted(distinct, history.items[events]), flow[used])
        per_item_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
        out = []
        for item in items:
            score = float(scored.scores[item])
            out.append(Explanation(
                user_id=history.user_id, item_id=self.dataset.items.id_of(int(item)), score=score,
                rank=scored.rank(int(item)), model=model.name, method=self.method,
                evidence=history_evidence(self.dataset, distinct, weights, 1.0, self.top_n),
                elapsed_ms=per_item_ms,
            ))
        return out
