"""Attribute-level reasons: history contributions rolled up by item attribute ("3 of your purchases are brand B")."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.base import ScoredHistory
from whyrec.explain.counterfactual import history_attribution
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation
from whyrec.models.base import Recommender

__all__ = ["AttributeExplainer"]


class AttributeExplainer:
    """Sums each history item's contribution into the attribute values it carries.

    A history item with several values (a film in two genres) splits its contribution evenly between them,
    so the attribute weights still add up to the history's share of the score. Evidence refs read
    ``category=Comedy``; labels say how many history items carry the value ("category: Comedy (3 of your
    items)"). Contributions are exact for additive models, else leave-one-out score drops.

    Args:
        dataset: ids, labels and item attributes.
        attributes: the attributes to roll up (default: every categorical item attribute).
        top_n: evidence entries kept.
        candidates: items that may be recommended (for ranks).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.ATTRIBUTE

    def __init__(self, dataset: Dataset, *, attributes: Sequence[str] | None = None, top_n: int | None = 5,
                 candidates: IndexArray | None = None) -> None:
        self.dataset = dataset
        table = dataset.catalog.attributes.categorical
        self.attributes = tuple(attributes) if attributes is not None else tuple(table)
        self.top_n = top_n
        self.candidates = candidates

    def supports(self, model: Recommender) -> bool:
        """Works with any model (exactly for additive ones)."""
        return True

    def explain(self, model: Recommender, history: History, items: IndexArray,
                scored: ScoredHistory | None = None) -> list[Explanation]:
        """One Explanation per item with attribute-value evidence."""
        scored = scored or ScoredHistory(model, history, self.dataset.n_items, self.candidates)
        items = np.asarray(items, dtype=np.int32)
        started = time.perf_counter()
        hist_items, per_history, baselines = history_attribution(model, history, items, self.dataset.n_items)
        table = self.dataset.catalog.attributes.categorical
        carriers: dict[tuple[str, str], list[int]] = defaultdict(list)
        for column, item in enumerate(hist_items):
            for attribute in self.attributes:
                values = table[attribute][int(item)]
                for value in values:
                    carriers[(attribute, value)].append(column)
        split = np.zeros(len(hist_items))
        for column, item in enumerate(hist_items):
            split[column] = sum(len(table[a][int(item)]) for a in self.attributes) or 1
        per_item_ms = (time.perf_counter() - started) * 1000 / max(1, len(items))
        out = []
        for row, item in enumerate(items):
            score = float(scored.scores[item])
            weights = {key: float((per_history[row, cols] / split[cols]).sum()) for key, cols in carriers.items()}
            ranked = sorted(weights.items(), key=lambda kv: -abs(kv[1]))
            if self.top_n is not None:
                ranked = ranked[: self.top_n]
            evidence = tuple(
                Evidence(kind=EvidenceKind.ATTRIBUTE, ref=f"{a}={v}",
                         label=f"{a}: {v} ({len(carriers[(a, v)])} of your {len(hist_items)} items)",
                         weight=w, share=w / score if score else 0.0)
                for (a, v), w in ranked)
            out.append(Explanation(
                user_id=history.user_id, item_id=self.dataset.items.id_of(int(item)), score=score,
                rank=scored.rank(int(item)), model=model.name, method=self.method, evidence=evidence,
                baseline=float(baselines[row]), elapsed_ms=per_item_ms,
            ))
        return out
