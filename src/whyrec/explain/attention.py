"""Attention rollout for self-attentive sequential models (SASRec).

Rollout (Abnar & Zuidema, ACL 2020): average each layer's heads, add the identity for the residual path,
renormalise rows, and multiply the layers; the last position's row says how much each input position flows
into the state that scores the items. It is a statement about the model's information flow, not an exact
attribution, so it is labelled ``attention`` and measured by the same fidelity tests as every other method.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import HistoryWeights, HistoryWeightsExplainer, ItemEvidence, ScoredHistory, history_evidence
from whyrec.explain.explanation import AttentionCell, ExplainMethod, SequenceAttention
from whyrec.models.base import Recommender

__all__ = ["AttentionExplainer", "AttentionScorer", "position_shares", "rollout", "sequence_attention"]


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
    shares: np.ndarray = flow[-1]
    return shares


def position_shares(model: AttentionScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
    """(events (m,) indices into the history's events, oldest first; their rollout shares (m,)), padding left out."""
    maps = model.attention(history)
    flow = rollout(maps.weights)
    used = maps.slots >= 0
    return np.asarray(maps.slots[used], dtype=np.int64), np.asarray(flow[used], dtype=np.float64)


def sequence_attention(model: AttentionScorer, dataset: Dataset, history: History) -> SequenceAttention:
    """The rollout onto each input position of `history`, as the why panel's heatmap shows it."""
    events, shares = position_shares(model, history)
    cells = (AttentionCell(item_id=dataset.items.id_of(int(history.items[e])), share=float(s))
             for e, s in zip(events, shares, strict=True))
    return SequenceAttention(positions=tuple(cells))


class AttentionExplainer(HistoryWeightsExplainer):
    """History items weighted by attention rollout onto their positions (repeated items add up).

    Weights are shares of the final state (they sum to 1 over positions), not score units.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.ATTENTION
    needs: ClassVar[type] = AttentionScorer
    needs_text: ClassVar[str] = "attention maps (AttentionScorer)"

    def attribute(self, model: Recommender, history: History, items: IndexArray,
                  scored: ScoredHistory) -> HistoryWeights:
        """The rollout onto the distinct history items: the same for every item of one history."""
        assert isinstance(model, AttentionScorer)  # checked by explain()
        events, shares = position_shares(model, history)
        distinct = np.unique(history.items[events]) if len(events) else np.zeros(0, dtype=np.int32)
        weights = np.zeros(len(distinct))
        np.add.at(weights, np.searchsorted(distinct, history.items[events]), shares)
        return HistoryWeights(distinct, np.tile(weights, (len(items), 1)), np.zeros(len(items)))

    def describe(self, state: HistoryWeights, row: int, item: int, score: float) -> ItemEvidence:
        """The rollout as evidence; shares are of the whole attention flow, not of the score."""
        return ItemEvidence(evidence=history_evidence(self.dataset, state.items, state.weights[row], 1.0, self.top_n))
