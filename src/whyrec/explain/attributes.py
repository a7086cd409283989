"""Attribute-level reasons: history contributions rolled up by the attribute values the recommended item has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.errors import ConfigError
from whyrec.explain.base import BaseExplainer, ExplainerConfig, ItemEvidence, ScoredHistory
from whyrec.explain.counterfactual import history_attribution
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod
from whyrec.models.base import Recommender

__all__ = ["AttributeConfig", "AttributeExplainer", "check_group_by", "grouping_columns"]


@dataclass(frozen=True)
class AttributeConfig(ExplainerConfig):
    """Knobs of the attribute roll-up.

    Attributes:
        attributes: the attributes to roll up (default: every categorical item attribute).
        group_by: one catalog column to group by instead (``platform``, ``brand``...; categorical or numeric).
    """

    attributes: tuple[str, ...] | None = None
    group_by: str | None = None

    def __post_init__(self) -> None:
        if self.attributes is not None:
            object.__setattr__(self, "attributes", tuple(self.attributes))


def grouping_columns(dataset: Dataset) -> tuple[str, ...]:
    """The catalog columns an attribute reason can group by (categorical first, then numeric)."""
    return dataset.catalog.attributes.names


def check_group_by(dataset: Dataset, column: str) -> str:
    """`column`, when the catalog has it.

    Raises:
        ConfigError: the catalog has no such column (the message lists those it has).
    """
    names = grouping_columns(dataset)
    if column not in names:
        raise ConfigError(f"the catalog of {dataset.name!r} has no column {column!r} to group by; columns: "
                          f"{', '.join(names) or 'none'}.", field="group_by", allowed=names)
    return column


@dataclass(frozen=True)
class _RolledUp:
    """One history's contributions and which attribute values each history item carries."""

    n_history: int
    per_history: np.ndarray
    baselines: np.ndarray
    carriers: dict[tuple[str, str], list[int]]
    split: np.ndarray


class AttributeExplainer(BaseExplainer[_RolledUp]):
    """Sums each history item's contribution into the attribute values it shares with the recommended item.

    Only values the recommended item itself carries are cited ("3 of your 5 films are Comedy, like this one").
    A history item with several values (a film in two genres) splits its contribution evenly between them,
    so over all values the weights add up to the history's share of the score; an item's evidence is the part
    of that roll-up on its own values. Evidence refs read ``category=Comedy``; labels say how many history
    items carry the value ("category: Comedy (3 of your 5 items)"). Contributions are exact for additive
    models, else leave-one-out score drops.

    Knobs (`AttributeConfig`): ``attributes`` or ``group_by``, ``top_n``, ``candidates``.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.ATTRIBUTE
    config: AttributeConfig
    config_type: ClassVar[type[ExplainerConfig]] = AttributeConfig
    served: ClassVar[bool] = True

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attributes rolled up."""
        if self.config.group_by is not None:
            return (check_group_by(self.dataset, self.config.group_by),)
        chosen = self.config.attributes
        return chosen if chosen is not None else tuple(self.dataset.catalog.attributes.categorical)

    def attribute(self, model: Recommender, history: History, items: IndexArray, scored: ScoredHistory) -> _RolledUp:
        """Contributions of the history items, and the attribute values each carries."""
        hist_items, per_history, baselines = history_attribution(model, history, items, self.dataset.n_items)
        table = self.dataset.catalog.attributes
        attributes = self.attributes
        carriers: dict[tuple[str, str], list[int]] = defaultdict(list)
        split = np.zeros(len(hist_items))
        for column, item in enumerate(hist_items.tolist()):
            for attribute in attributes:
                values = table.values(attribute, item)
                split[column] += len(values)
                for value in values:
                    carriers[(attribute, value)].append(column)
        return _RolledUp(len(hist_items), per_history, baselines, carriers, np.maximum(split, 1))

    def describe(self, state: _RolledUp, row: int, item: int, score: float) -> ItemEvidence:
        """Evidence of the values the item carries, the largest |weight| first."""
        table = self.dataset.catalog.attributes
        own = {(a, v) for a in self.attributes for v in table.values(a, item)}
        weights = {key: float((state.per_history[row, cols] / state.split[cols]).sum())
                   for key, cols in state.carriers.items() if key in own}
        ranked = sorted(weights.items(), key=lambda kv: -abs(kv[1]))
        if self.top_n is not None:
            ranked = ranked[: self.top_n]
        evidence = tuple(
            Evidence(kind=EvidenceKind.ATTRIBUTE, ref=f"{a}={v}",
                     label=f"{a}: {v} ({len(state.carriers[(a, v)])} of your {state.n_history} items)",
                     weight=w, share=w / score if score else 0.0)
            for (a, v), w in ranked)
        return ItemEvidence(evidence=evidence, baseline=float(state.baselines[row]))
