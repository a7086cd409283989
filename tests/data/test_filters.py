"""`ItemFilter` on ml-100k's catalog: columns, multi-valued cells, numbers, ids, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset, ItemFilter
from whyrec.errors import ConfigError, UnknownIdError


def test_same_column_is_either_value_and_columns_combine(ml100k: Dataset) -> None:
    cats = ml100k.catalog.attributes.categorical["category"]
    years = ml100k.catalog.attributes.numeric["year"]
    either = ItemFilter.parse(filters=["category:Comedy", "category:horror"]).mask(ml100k.catalog, ml100k.items)
    expected = np.array([("Comedy" in c) or ("Horror" in c) for c in cats])
    assert (either == expected).all() and 0 < either.sum() < len(cats)
    both = ItemFilter.parse(category="Comedy", filters=["year:1995"]).mask(ml100k.catalog, ml100k.items)
    assert (both == (np.array(["Comedy" in c for c in cats]) & (years == 1995))).all() and both.any()


def test_exclude_and_candidates_take_ids_and_ignore_unknown_ones(ml100k: Dataset) -> None:
    ranking = ml100k.active_items[:20].astype(np.int32)
    ids = ml100k.items.ids_of(ranking)
    kept = ItemFilter.parse(candidates=[ids[5], ids[2], "B0NEW"], exclude=f"{ids[2]},nope").allows(
        ranking, ml100k.catalog, ml100k.items)
    assert kept.tolist() == [ranking[5]]
    assert ItemFilter().allows(ranking, ml100k.catalog, ml100k.items) is ranking


def test_errors_name_the_columns_and_values(ml100k: Dataset) -> None:
    with pytest.raises(UnknownIdError, match="Its columns: category, year") as e:
        ItemFilter.parse(filters=["colour:red"]).mask(ml100k.catalog, ml100k.items)
    assert e.value.kind == "column"
    with pytest.raises(UnknownIdError, match="'Comdy' in column 'category'; its values include 'Action'"):
        ItemFilter.parse(category="Comdy").mask(ml100k.catalog, ml100k.items)
    with pytest.raises(ConfigError, match="expected column:value"):
        ItemFilter.parse(filters=["category"])
