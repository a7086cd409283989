"""Attribute-level reasons: history contributions rolled up by item attribute ("3 of your purchases are brand B")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.history import History
from whyrec.explain.base import BaseExplainer, ExplainerConfig, ItemEvidence, ScoredHistory
from whyrec.explain.counterfactual import history_attribution
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod
from whyrec.models.base import Recommender

__all__ = ["AttributeConfig", "AttributeExplainer"]


@dataclass(frozen=True)
class AttributeConfig(ExplainerConfig):
    """Knobs of the attribute roll-up.

    Attributes:
        attributes: the attributes to roll up (default: every categorical item attribute).
    """

    attributes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.attributes is not None:
            object.__setattr__(self, "attributes", tuple(self.attributes))


@dataclass(frozen=True)
class _RolledUp:
    """One history's contributions and which attribute values each history item carries."""

    n_history: int
    per_history: np.ndarray
    baselines: np.ndarray
    carriers: dict[tuple[str, str], list[int]]
    split: np.ndarray


class AttributeExplainer(BaseExplainer[_RolledUp]):
    """Sums each history item's contribution into the attribute values it carries.

    A history item with several values (a film in two genres) splits its contribution evenly between them,
    so the attribute weights still add up to the history's share of the score. Evidence refs read
    ``category=Comedy``; labels say how many history items carry the value ("category: Comedy (3 of your
    items)"). Contributions are exact for additive models, else leave-one-out score drops.

    Knobs (`AttributeConfig`): ``attributes``, ``top_n``, ``candidates``.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.ATTRIBUTE
    config: AttributeConfig
    config_type: ClassVar[type[ExplainerConfig]] = AttributeConfig
    served: ClassVar[bool] = True

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attributes rolled up."""
        chosen = self.config.attributes
        return chosen if chosen is not None else tuple(self.dataset.catalog.attributes.categorical)

    def attribute(self, model: Recommender, history: History, items: IndexArray, scored: ScoredHistory) -> _RolledUp:
        """Contributions of the history items, and the attribute values each carries."""
        hist_items, per_history, baselines = history_attribution(model, history, items, self.dataset.n_items)
        table = self.dataset.catalog.attributes.categorical
        attributes = self.attributes
        carriers: dict[tuple[str, str], list[int]] = defaultdict(list)
        for column, item in enumerate(hist_items):
            for attribute in attributes:
                values = table[attribute][int(item)]
                for value in values:
                    carriers[(attribute, value)].append(column)
        split = np.zeros(len(hist_items))
        for column, item in enumerate(hist_items):
            split[column] = sum(len(table[a][int(item)]) for a in attributes) or 1
        return _RolledUp(len(hist_items), per_history, baselines, carriers, split)

    def describe(self, state: _RolledUp, row: int, item: int, score: float) -> ItemEvidence:
        """Attribute-value evidence, the largest |weight| first."""
        weights = {key: float((state.per_history[row, cols] / state.split[cols]).sum())
                   for key, cols in state.carriers.items()}
        ranked = sorted(weights.items(), key=lambda kv: -abs(kv[1]))
        if self.top_n is not None:
            ranked = ranked[: self.top_n]
        evidence = tuple(
            Evidence(kind=EvidenceKind.ATTRIBUTE, ref=f"{a}={v}",
                     label=f"{a}: {v} ({len(state.carriers[(a, v)])} of your {state.n_history} items)",
                     weight=w, share=w / score if score else 0.0)
            for (a, v), w in ranked)
        return ItemEvidence(evidence=evidence, baseline=float(state.baselines[row]))
