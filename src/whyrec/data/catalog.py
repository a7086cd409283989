"""Item and user attributes: categorical (possibly multi-valued) values, numbers, titles and texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from whyrec._types import FloatArray
from whyrec.data.idmap import IdMap
from whyrec.data.schema import MULTI_VALUE_SEPARATOR, TEXT_COLUMNS

__all__ = ["AGE_BANDS", "AttributeTable", "Catalog", "age_band", "build_attribute_table", "build_catalog", "item_text"]

#: MovieLens-style age bands: (lower bound, label).
AGE_BANDS = ((0, "under 18"), (18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-49"), (50, "50-55"), (56, "56+"))
_NUMERIC_SHARE = 0.95


def age_band(age: float) -> str:
    """The band label of an age in years.

    Example:
        >>> age_band(24), age_band(56)
        ('18-24', '56+')
    """
    label = AGE_BANDS[0][1]
    for lower, name in AGE_BANDS:
        if age >= lower:
            label = name
    return label


@dataclass(frozen=True, eq=False)
class AttributeTable:
    """Attributes of the entities of one IdMap (items or users).

    Attributes:
        ids: the entities, in index order.
        categorical: name -> per-entity tuple of values (empty tuple = unknown); multi-valued cells are split.
        numeric: name -> per-entity float32 values (NaN = unknown).
    """

    ids: IdMap
    categorical: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    numeric: Mapping[str, FloatArray] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all attributes, categorical first."""
        return (*self.categorical, *self.numeric)

    def values(self, name: str, index: int) -> tuple[str, ...]:
        """Categorical values of entity `index` (a number is returned as its text)."""
        if name in self.categorical:
            return self.categorical[name][index]
        value = float(self.numeric[name][index])
        return () if np.isnan(value) else (f"{value:g}",)

    def of(self, index: int) -> dict[str, tuple[str, ...]]:
        """Every categorical attribute of entity `index`."""
        return {name: values[index] for name, values in self.categorical.items()}

    def indicators(self, *, among: np.ndarray | None = None, min_count: int = 2) -> sp.csr_array:
        """(n_entities, n_values) 0/1 matrix: which categorical values (``brand=Acme``...) each entity has.

        Args:
            among: bool mask of the entities whose values are counted (e.g. items with events); others keep
                their row, and their values count only when `among` entities share them.
            min_count: a value is a column only when at least this many counted entities have it (a value
                of one entity relates it to nothing).

        Example:
            >>> from whyrec.data.idmap import IdMap
            >>> table = AttributeTable(IdMap.from_ids(["a", "b", "c"]),
            ...                        {"brand": (("X",), ("X",), ("Y",)), "tag": (("t", "u"), ("u",), ())})
            >>> table.indicators().toarray()
            array([[1., 1.],
                   [1., 1.],
                   [0., 0.]])
        """
        n = len(self.ids)
        counted = np.ones(n, dtype=bool) if among is None else np.asarray(among, dtype=bool)
        rows: list[int] = []
        columns: list[int] = []
        vocabulary: dict[tuple[str, str], int] = {}
        for name, cells in self.categorical.items():
            for entity, values in enumerate(cells):
                for value in values:
                    rows.append(entity)
                    columns.append(vocabulary.setdefault((name, value), len(vocabulary)))
        matrix = sp.csr_array((np.ones(len(rows)), (np.asarray(rows, dtype=np.int64),
                                                    np.asarray(columns, dtype=np.int64))),
                              shape=(n, len(vocabulary)))
        matrix.sum_duplicates()
        matrix.data[:] = 1.0  # a value listed twice in one cell is still one value
        counts = np.asarray(matrix[counted].sum(axis=0)).ravel()
        return sp.csr_array(matrix[:, np.flatnonzero(counts >= min_count)])


@dataclass(frozen=True, eq=False)
class Catalog:
    """The items, with their attributes, display titles and texts for text models.

    Attributes:
        attributes: categorical and numeric attributes (``category``, ``brand``, ``price_band``, ``price``...).
        titles: per-item display label (the title column, else the id).
        texts: per-item text: title, attributes and description.
    """

    attributes: AttributeTable
    titles: tuple[str, ...]
    texts: tuple[str, ...]

    @property
    def items(self) -> IdMap:
        """The item id map."""
        return self.attributes.ids

    def label(self, index: int) -> str:
        """Display title of item `index`."""
        return self.titles[index]


def _split_multi(cell: object, separator: str) -> tuple[str, ...]:
    if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)):
        return ()
    return tuple(v.strip() for v in str(cell).split(separator) if v.strip())


def build_attribute_table(ids: IdMap, table: pd.DataFrame | None, id_column: str,
                          skip: tuple[str, ...] = (), separator: str = MULTI_VALUE_SEPARATOR) -> AttributeTable:
    """Align the rows of `table` (string cells) with `ids`.

    A text cell holds one value or several joined by `separator` (``Action|Comedy``).

    Columns whose non-empty cells are (almost) all numbers become numeric; ``price`` also yields a
    ``price_band`` (low/mid/high by tertiles) and ``age`` an ``age_band``. Entities absent from the table get
    empty values.
    """
    if table is None:
        return AttributeTable(ids)
    positions = ids.indices_of(table[id_column].tolist(), missing="mark")
    present = positions >= 0
    categorical: dict[str, tuple[tuple[str, ...], ...]] = {}
    numeric: dict[str, FloatArray] = {}
    for name in table.columns:
        if name == id_column or name in skip:
            continue
        cells = table[name]
        filled = cells.notna()
        as_number = pd.to_numeric(cells, errors="coerce")
        if filled.any() and as_number[filled].notna().mean() >= _NUMERIC_SHARE and name not in ("category", "brand"):
            arr = np.full(len(ids), np.nan, dtype=np.float32)
            arr[positions[present]] = as_number.to_numpy(dtype=np.float64, na_value=np.nan)[present]
            numeric[name] = arr
            continue
        # split each distinct cell once, then spread the results to the entities (few distinct values, many rows)
        cell_codes, distinct = pd.factorize(cells.to_numpy()[present], use_na_sentinel=True)
        split = np.empty(len(distinct) + 1, dtype=object)
        for code, cell in enumerate(distinct):
            split[code] = _split_multi(cell, separator)
        split[-1] = ()  # code -1: a missing cell
        per_entity = np.empty(len(ids), dtype=object)
        per_entity.fill(())
        per_entity[positions[present]] = split[cell_codes]
        categorical[name] = tuple(per_entity)
    if "price" in numeric and "price_band" not in categorical:
        categorical["price_band"] = _bands(numeric["price"], ("low", "mid", "high"))
    if "age" in numeric and "age_band" not in categorical:
        categorical["age_band"] = _age_bands(numeric["age"])
    return AttributeTable(ids, categorical, numeric)


def _age_bands(ages: FloatArray) -> tuple[tuple[str, ...], ...]:
    """``(age_band(a),)`` per age, ``()`` where unknown, in one searchsorted."""
    lower = np.array([bound for bound, _ in AGE_BANDS], dtype=np.float64)
    band = np.maximum(np.searchsorted(lower, ages, side="right") - 1, 0)
    labels = [(name,) for _, name in AGE_BANDS]
    return tuple(() if np.isnan(a) else labels[b] for a, b in zip(ages.tolist(), band.tolist(), strict=True))


def _bands(values: FloatArray, labels: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    known = values[~np.isnan(values)]
    if len(known) == 0:
        return tuple(() for _ in values)
    cuts = np.quantile(known, np.linspace(0, 1, len(labels) + 1)[1:-1])
    band = np.searchsorted(cuts, values, side="right")
    return tuple(() if np.isnan(v) else (labels[b],) for v, b in zip(values, band, strict=True))


def build_catalog(items: IdMap, table: pd.DataFrame | None, id_column: str,
                  separator: str = MULTI_VALUE_SEPARATOR) -> Catalog:
    """Build the Catalog of `items` from a catalog table (or ids alone when `table` is None)."""
    attributes = build_attribute_table(items, table, id_column, skip=TEXT_COLUMNS, separator=separator)
    titles = list(items.ids)
    descriptions = [""] * len(items)
    if table is not None:
        positions = items.indices_of(table[id_column].tolist(), missing="mark")
        for column, target in (("title", titles), ("description", descriptions)):
            if column in table.columns:
                for pos, cell in zip(positions, table[column].to_numpy(), strict=True):
                    if pos >= 0 and isinstance(cell, str) and cell.strip():
                        target[pos] = cell.strip()
    texts = [item_text(titles[i], attributes.of(i), descriptions[i]) for i in range(len(items))]
    return Catalog(attributes, tuple(titles), tuple(texts))


def item_text(title: str, attributes: Mapping[str, tuple[str, ...]], description: str = "") -> str:
    """The text a text model reads for one item: its title, its categorical attributes, its description.

    Example:
        >>> item_text("Toy Story (1995)", {"category": ("Animation", "Comedy")})
        'Toy Story (1995). category: Animation, Comedy'
    """
    parts = [title, *(f"{name}: {', '.join(vals)}" for name, vals in attributes.items() if vals)]
    if description:
        parts.append(description)
    return ". ".join(parts)
