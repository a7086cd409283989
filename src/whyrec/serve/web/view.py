"""The shopper page's data in one answer: the explained list, the catalog attributes and the recent history.

``GET /v1/users/{user_id}/view`` (`whyrec.serve.routes.shopper`) answers with :func:`shopper_view`, so the
page's first render costs one request.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from whyrec.explain.explanation import Lang
from whyrec.explain.text.card import attribute_name, attribute_value, evidence_label, field_label
from whyrec.serve.explanations import _calibration
from whyrec.serve.schemas import RecommendationsOut
from whyrec.serve.served_run import ServedRun
from whyrec.serve.service import RecommendationService

__all__ = ["HistoryEntry", "ShopperViewOut", "shopper_view"]

#: History items shown (the most recent).
MAX_HISTORY = 30


class HistoryEntry(BaseModel):
    """One item of the history the model scores."""

    item_id: str
    title: str
    weight: float
    """Its summed weight in the history."""
    attributes: dict[str, list[str]]
    shown: str
    """Its attributes in the page's language, one line."""


class ShopperViewOut(BaseModel):
    """Everything the shopper page shows first."""

    recommendations: RecommendationsOut
    attributes: dict[str, dict[str, list[str]]]
    """Catalog attributes of each recommended item, by item id (``category``, ``year``, ...)."""
    shown: dict[str, str]
    """The same attributes in the page's language, one line per item."""
    evidence_labels: dict[str, list[str]]
    """Each item's evidence labels in the page's language, in the order of its evidence."""
    field_labels: dict[str, list[str]] = {}
    """Each item's field labels (DeepFM's `Explanation.fields`) in the page's language, in their order; empty
    for other models."""
    history: list[HistoryEntry]
    """The most recent distinct items of the scored history, newest first."""
    horizon: int
    """The calibration's horizon (confidence = relevant within the next `horizon` picks), 0 without one."""
    run: str
    """The served run's folder name."""


def item_attributes(served: ServedRun, index: int) -> dict[str, list[str]]:
    """Every known attribute of item `index` (categorical values, numbers as text), by attribute name."""
    table = served.fit.catalog.attributes
    return {name: list(values) for name in table.names if (values := table.values(name, index))}


def attributes_line(attributes: dict[str, list[str]], lang: Lang) -> str:
    """``category: Comedy, Drama · year: 1995`` in `lang` (names and known values translated)."""
    if lang == Lang.EN:
        return " · ".join(f"{name}: {', '.join(values)}" for name, values in attributes.items())
    return " · ".join(f"{attribute_name(name, lang)}：{'、'.join(attribute_value(name, v, lang) for v in values)}"
                      for name, values in attributes.items())


def shopper_view(service: RecommendationService, user_id: str, *, k: int, lang: Lang) -> ShopperViewOut:
    """The user's explained top k, with what the cards and the history panel show."""
    found = service.lists.recommend(user_id, k=k, explain=True, lang=lang)
    served = service.runs.served
    state = service.states.user_state(user_id, served)
    index = served.fit.items
    attributes = {r.item_id: item_attributes(served, index.index_of(r.item_id)) for r in found.items}
    weights: dict[int, float] = defaultdict(float)
    for item, weight in zip(state.history.items.tolist()[::-1], state.history.weights.tolist()[::-1], strict=True):
        weights[item] += weight  # newest first: a dict keeps the first time it sees each item
    history = []
    for i, w in list(weights.items())[:MAX_HISTORY]:
        found_attributes = item_attributes(served, i)
        history.append(HistoryEntry(item_id=index.id_of(i), title=served.fit.catalog.label(i), weight=w,
                                    attributes=found_attributes, shown=attributes_line(found_attributes, lang)))
    labels = {r.item_id: [evidence_label(e, lang) for e in r.explanation.evidence] if r.explanation else []
              for r in found.items}
    fields = {r.item_id: [field_label(f, lang) for f in r.explanation.fields.fields]
              for r in found.items if r.explanation is not None and r.explanation.fields is not None}
    calibration = served.extra("calibration", lambda: _calibration(served))
    return ShopperViewOut(recommendations=found, attributes=attributes,
                          shown={i: attributes_line(a, lang) for i, a in attributes.items()}, evidence_labels=labels,
                          field_labels=fields,
                          history=history,
                          horizon=calibration.horizon if calibration is not None else 0, run=served.path.name)
