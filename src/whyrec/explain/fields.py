"""Per-field attributions of feature models (DeepFM) by integrated gradients (Sundararajan et al., ICML 2017).

A feature model scores a (history, item) pair from field vectors: the item's id, each item attribute, each
user attribute and the history as a whole (see `whyrec.models.torch.deepfm`). Integrated gradients (captum)
walk from the all-zero input ("no field at all") to the real one; summed over each field's vector, the
attributions add up to score(input) - score(zeros) up to the integration error (completeness), which is
reported as `FieldAttributions.residual`.

Example:
    >>> made = field_attributions(deepfm, dataset, history, items)  # doctest: +SKIP
    >>> made[0].baseline_score + sum(f.weight for f in made[0].fields) + made[0].residual  # doctest: +SKIP
    1.2345  # == the item's score
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.explanation import FieldAttribution, FieldAttributions

__all__ = ["DEFAULT_STEPS", "FieldDifferentiable", "FieldWeights", "field_attributions", "field_values",
           "field_weights"]

#: Points on the integration path (captum's default).
DEFAULT_STEPS = 50


@runtime_checkable
class FieldDifferentiable(Protocol):
    """Scores as a differentiable function of input field vectors (see DeepFM's ``FieldScorer``)."""

    def feature_scorer(self, history: History, items: IndexArray) -> Any: ...


@dataclass(frozen=True)
class FieldWeights:
    """Integrated gradients per field of one history and several items.

    Attributes:
        fields: the field names, in the model's order.
        weights: (n_items, n_fields) float64 attributions, summed over each field's vector.
        scores: (n_items,) the model's scores of the real input.
        baseline_scores: (n_items,) its scores of the all-zero input.
        history: the explained history (its user and size label the user and history fields).
    """

    fields: tuple[str, ...]
    weights: np.ndarray
    scores: FloatArray
    baseline_scores: FloatArray
    history: History


def field_weights(model: FieldDifferentiable, history: History, items: IndexArray, *,
                  n_steps: int = DEFAULT_STEPS) -> FieldWeights:
    """Integrated gradients from the all-zero input to the fields of `history` and each of `items`."""
    import torch
    from captum.attr import IntegratedGradients

    scorer = model.feature_scorer(history, np.asarray(items, dtype=np.int64))
    zeros = torch.zeros_like(scorer.inputs)
    attr = IntegratedGradients(scorer.forward).attribute(scorer.inputs, baselines=zeros, n_steps=n_steps)
    with torch.no_grad():
        scores = scorer.forward(scorer.inputs).numpy().astype(np.float64)
        empty = scorer.forward(zeros).numpy().astype(np.float64)
    return FieldWeights(tuple(scorer.fields), attr.sum(-1).detach().numpy().astype(np.float64), scores, empty,
                        history)


def field_values(dataset: Dataset, field: str, item: int, history: History) -> tuple[str, ...]:
    """What `field` holds for `item` and `history`: the item id, attribute values, or the history's size."""
    side, _, name = field.partition(":")
    if side == "item" and name:
        return dataset.catalog.attributes.values(name, item)
    if side == "user":
        if history.user_id is None or history.user_id not in dataset.users:
            return ()
        return dataset.user_attributes.values(name, dataset.users.index_of(history.user_id))
    if field == "item":
        return (dataset.items.id_of(item),)
    return (str(len(np.unique(history.items))),)


def field_attributions(model: FieldDifferentiable, dataset: Dataset, history: History, items: IndexArray, *,
                       scores: FloatArray | None = None, n_steps: int = DEFAULT_STEPS) -> list[FieldAttributions]:
    """One `FieldAttributions` per item of `items`, in order.

    Args:
        model: a fitted feature model.
        dataset: the data it was fitted on (ids and attribute values).
        history: the history the items are scored for.
        items: (n,) item indices.
        scores: (n,) the scores the explanations show (default: the field scorer's own, equal up to float
            rounding); the residual makes the parts add up to these.
        n_steps: points on the integration path.
    """
    made = field_weights(model, history, items, n_steps=n_steps)
    shown = made.scores if scores is None else np.asarray(scores, dtype=np.float64)
    out = []
    for row, item in enumerate(np.asarray(items).tolist()):
        weights = made.weights[row]
        parts = tuple(FieldAttribution(field=name, values=field_values(dataset, name, int(item), history),
                                       weight=float(w)) for name, w in zip(made.fields, weights, strict=True))
        base = float(made.baseline_scores[row])
        out.append(FieldAttributions(baseline_score=base, residual=float(shown[row]) - base - float(weights.sum()),
                                     n_steps=n_steps, fields=parts))
    return out
