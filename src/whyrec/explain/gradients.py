"""Integrated gradients (Sundararajan et al., ICML 2017) through captum, over history items.

Two kinds of input, by what the model exposes:

- ``torch_scorer()``: a function of the dense (n, n_items) history vector (Mult-VAE, LightGCN's fold-in), or of
  the model's ``torch_input(dense)`` representation when it has one. Attributions land on the history items'
  entries; the baseline is the all-zero input.
- ``embedding_scorer()`` + ``embed(ids)`` + ``sequence_inputs(history)`` (SASRec): attributions to the item
  embeddings at each position, summed over the embedding; the baseline is all-zero embeddings with the same
  padding mask.
- ``feature_scorer(history, items)`` (DeepFM): attributions to each input field (the item, its attributes,
  the user's attributes, the history as a whole), summed over the field's vector; the baseline is "no field
  at all" (zeros). The evidence is then features and user attributes, not history items.

Completeness makes the attributions sum to score(history) - score(baseline) up to the integration error,
which is reported as the explanation's ``baseline`` term plus the residual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import History, HistoryBatch
from whyrec.errors import UnsupportedModelError
from whyrec.explain.base import (
    BaseExplainer,
    ExplainerConfig,
    HistoryWeights,
    ItemEvidence,
    ScoredHistory,
    history_evidence,
)
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod
from whyrec.explain.fields import FieldDifferentiable, FieldWeights, field_values, field_weights
from whyrec.models.base import Recommender

__all__ = ["DifferentiableScorer", "FieldDifferentiable", "GradientConfig", "IntegratedGradientsExplainer",
           "SequenceDifferentiable"]


@runtime_checkable
class DifferentiableScorer(Protocol):
    """Scores as a differentiable function of the dense history vector."""

    def torch_scorer(self) -> Any: ...


@runtime_checkable
class SequenceDifferentiable(Protocol):
    """Scores as a differentiable function of item embeddings at sequence positions."""

    def sequence_inputs(self, history: History) -> tuple[Any, np.ndarray]: ...

    def embed(self, ids: Any) -> Any: ...

    def embedding_scorer(self) -> Any: ...


@dataclass(frozen=True)
class GradientConfig(ExplainerConfig):
    """Knobs of integrated gradients.

    Attributes:
        n_steps: points on the integration path (captum's default is 50).
    """

    n_steps: int = 50


class IntegratedGradientsExplainer(BaseExplainer[HistoryWeights | FieldWeights]):
    """History-item attributions by integrated gradients (captum).

    Knobs (`GradientConfig`): ``n_steps``, ``top_n``, ``candidates``. The explanation's ``baseline`` is the score
    of the empty input plus the integration residual.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.INTEGRATED_GRADIENTS
    config: GradientConfig
    config_type: ClassVar[type[ExplainerConfig]] = GradientConfig
    needs: ClassVar[tuple[type, ...]] = (DifferentiableScorer, SequenceDifferentiable, FieldDifferentiable)
    needs_text: ClassVar[str] = "a differentiable scorer (torch_scorer or sequence_scorer)"

    @property
    def n_steps(self) -> int:
        """Points on the integration path."""
        return self.config.n_steps

    def attributions(self, model: Recommender, history: History, items: IndexArray) -> tuple[np.ndarray, np.ndarray,
                                                                                              np.ndarray]:
        """(history items (m,), attributions (len(items), m), scores of the baseline input (len(items),))."""
        import torch
        from captum.attr import IntegratedGradients

        targets = [int(i) for i in items]
        if isinstance(model, DifferentiableScorer):
            forward = model.torch_scorer()
            dense = HistoryBatch.from_histories([history], self.dataset.n_items).binary.toarray()
            x = torch.from_numpy(dense.astype(np.float32))
            to_input = getattr(model, "torch_input", None)  # e.g. Mult-VAE walks along the normalised history
            if to_input is not None:
                x = to_input(x)
            ig = IntegratedGradients(forward)
            distinct = np.unique(history.items).astype(np.int32)
            rows, base = [], []
            with torch.no_grad():
                empty = forward(torch.zeros_like(x))[0]
            for target in targets:
                attr = ig.attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=self.n_steps)
                rows.append(attr[0, distinct].detach().numpy().astype(np.float64))
                base.append(float(empty[target]))
            return distinct, np.array(rows).reshape(len(targets), len(distinct)), np.array(base)
        if isinstance(model, SequenceDifferentiable):
            forward = model.embedding_scorer()
            ids, slots = model.sequence_inputs(history)
            with torch.no_grad():
                embedded = model.embed(ids)
            zeros = torch.zeros_like(embedded)
            ig = IntegratedGradients(forward)
            used = slots >= 0
            events = slots[used]
            distinct = np.unique(history.items[events]).astype(np.int32) if len(events) else np.zeros(0, np.int32)
            position = np.searchsorted(distinct, history.items[events])
            with torch.no_grad():
                empty = forward(zeros, ids)[0]
            rows, base = [], []
            for target in targets:
                attr = ig.attribute(embedded, baselines=zeros, target=target, additional_forward_args=(ids,),
                                    n_steps=self.n_steps)
                per_slot = attr[0].sum(-1).detach().numpy().astype(np.float64)
                weights = np.zeros(len(distinct))
                np.add.at(weights, position, per_slot[used])
                rows.append(weights)
                base.append(float(empty[target]))
            return distinct, np.array(rows).reshape(len(targets), len(distinct)), np.array(base)
        raise UnsupportedModelError(self.method, model.name,
                                    "a differentiable scorer (torch_scorer or embedding_scorer)")

    def attribute(self, model: Recommender, history: History, items: IndexArray,
                  scored: ScoredHistory) -> HistoryWeights | FieldWeights:
        """Attributions to the history items, or to the input fields for field models (DeepFM)."""
        if isinstance(model, FieldDifferentiable) and not isinstance(model, (DifferentiableScorer,
                                                                             SequenceDifferentiable)):
            return self.field_attributions(model, history, items)
        distinct, weights, _ = self.attributions(model, history, items)
        return HistoryWeights(distinct, weights, np.zeros(len(items)))

    def describe(self, state: HistoryWeights | FieldWeights, row: int, item: int, score: float) -> ItemEvidence:
        """History-item or field evidence; ``baseline`` is what the attributions leave of the score."""
        if isinstance(state, HistoryWeights):
            return ItemEvidence(evidence=history_evidence(self.dataset, state.items, state.weights[row], score,
                                                          self.top_n),
                                baseline=score - float(state.weights[row].sum()))
        evidence = [self._field_evidence(name, item, state.history, float(w), score)
                    for name, w in zip(state.fields, state.weights[row], strict=True)]
        evidence.sort(key=lambda e: -e.weight)
        return ItemEvidence(evidence=tuple(evidence[: self.top_n] if self.top_n is not None else evidence),
                            baseline=score - float(state.weights[row].sum()),
                            complete=self.top_n is None or self.top_n >= len(evidence))

    def field_attributions(self, model: FieldDifferentiable, history: History, items: IndexArray) -> FieldWeights:
        """Per-field attributions: the item, its attributes, the user's attributes and the history."""
        return field_weights(model, history, items, n_steps=self.n_steps)

    def _field_evidence(self, field: str, item: int, history: History, weight: float, score: float) -> Evidence:
        share = weight / score if score else 0.0
        side, _, name = field.partition(":")
        values = field_values(self.dataset, field, item, history)
        if side == "item" and name:
            return Evidence(kind=EvidenceKind.ATTRIBUTE, ref=f"{name}={'|'.join(values)}",
                            label=f"{name}: {', '.join(values) or 'unknown'}", weight=weight, share=share)
        if side == "user":
            return Evidence(kind=EvidenceKind.USER_ATTRIBUTE, ref=f"{name}={'|'.join(values)}",
                            label=f"your {name}: {', '.join(values) or 'unknown'}", weight=weight, share=share)
        if field == "item":
            return Evidence(kind=EvidenceKind.FEATURE, ref="item", label=self.dataset.catalog.label(item),
                            weight=weight, share=share)
        return Evidence(kind=EvidenceKind.FEATURE, ref=field, label=f"your {values[0]} past items "
                        "as a whole", weight=weight, share=share)
