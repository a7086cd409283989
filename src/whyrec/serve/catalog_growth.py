"""Catalog rows put into a running service: the served run, grown by the items the API added or updated.

A model that reads item text (``text``, ``hybrid``: `TextScorer`) embeds a new or changed item's text at
once, so a new product can be recommended in the next response. Other models know only the items they
were trained on: their catalog rows are updated (titles, attributes, filters), new items wait for the
next training (their events are stored, not applied).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np

from whyrec.data.catalog import AttributeTable, Catalog, item_text
from whyrec.data.idmap import IdMap
from whyrec.data.schema import MULTI_VALUE_SEPARATOR
from whyrec.errors import DataError
from whyrec.serve.served_run import ServedRun, catalog_tags

__all__ = ["TextScorer", "grow_served_run", "scores_new_items"]

#: One catalog row as the API stores it: ``title``, ``description`` and ``attributes``.
Row = Mapping[str, Any]


@runtime_checkable
class TextScorer(Protocol):
    """A model that scores items from their text, and so can take items added after training."""

    def with_item_texts(self, texts: Mapping[int, str]) -> Self:
        """A copy scoring the items at these indices from these texts (new indices are added)."""
        ...


def scores_new_items(served: ServedRun) -> bool:
    """Whether the served model can recommend an item added after training (it reads item text)."""
    return isinstance(served.model, TextScorer)


def grow_served_run(served: ServedRun, rows: Sequence[tuple[str, Row]]) -> ServedRun:
    """A copy of `served` with these catalog rows (item id, row) applied.

    Known items get the new title, description and attributes. Unknown items are added after the run's
    items when the model reads text (`scores_new_items`), else left out (for the next training).
    """
    fit = served.fit
    grows = scores_new_items(served)
    ids = list(fit.items.ids)
    position = {item_id: i for i, item_id in enumerate(ids)}
    chosen: dict[int, Row] = {}
    for item_id, row in rows:
        _check_row(fit.catalog, item_id, row)
        if item_id not in position:
            if not grows:
                continue
            position[item_id] = len(ids)
            ids.append(item_id)
        chosen[position[item_id]] = row
    if not chosen:
        return served
    items = IdMap(tuple(ids), fit.items.kind)
    catalog = _catalog(fit.catalog, items, chosen)
    model = served.model
    if grows:
        model = served.model.with_item_texts({i: catalog.texts[i] for i in chosen})  # type: ignore[attr-defined]
    grown = dataclasses.replace(fit, items=items, catalog=catalog)
    added = np.arange(fit.n_items, len(ids), dtype=np.int32)
    tag_items, item_tags = catalog_tags(grown)
    popularity = np.concatenate([served.popularity, np.zeros(len(added), dtype=np.float32)])
    return dataclasses.replace(served, run=dataclasses.replace(served.run, model=model), fit=grown,
                               candidates=np.union1d(served.candidates, added).astype(np.int32),
                               popularity=popularity, tag_items=tag_items, item_tags=item_tags, _by_item=None,
                               _extras={})


def _catalog(old: Catalog, items: IdMap, rows: Mapping[int, Row]) -> Catalog:
    n = len(items)
    table = old.attributes
    categorical = {name: list(values) + [()] * (n - len(values)) for name, values in table.categorical.items()}
    numeric = {name: np.concatenate([values, np.full(n - len(values), np.nan, dtype=np.float32)])
               for name, values in table.numeric.items()}
    titles = list(old.titles) + list(items.ids[len(old.titles):])
    texts = list(old.texts) + [""] * (n - len(old.texts))
    for index, row in rows.items():
        titles[index] = str(row.get("title") or "").strip() or items.id_of(index)
        for name, value in (row.get("attributes") or {}).items():
            if name in numeric:
                numeric[name][index] = float(value)
                continue
            cells = value if isinstance(value, list) else str(value).split(MULTI_VALUE_SEPARATOR)
            categorical.setdefault(name, [()] * n)[index] = tuple(str(v).strip() for v in cells if str(v).strip())
    attributes = AttributeTable(items, {k: tuple(v) for k, v in categorical.items()}, numeric)
    for index, row in rows.items():
        texts[index] = item_text(titles[index], attributes.of(index), str(row.get("description") or ""))
    return Catalog(attributes, tuple(titles), tuple(texts))


def _check_row(catalog: Catalog, item_id: str, row: Row) -> None:
    """Refuse a text value for a numeric column (also for an item the model cannot take yet: the row is
    stored, and applied to every run served later)."""
    for name, value in (row.get("attributes") or {}).items():
        if name in catalog.attributes.numeric and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise DataError(f"item {item_id!r}: attribute {name!r} is a numeric column; got {value!r}. Send a "
                            "number.")
