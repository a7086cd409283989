"""Filters on recommendations: catalog columns, excluded ids, a candidate set.

One `ItemFilter` serves the Python API, ``whyrec recommend`` and the service's
``GET /v1/users/{id}/recommendations``: each turns its arguments into a filter with `ItemFilter.parse` and
keeps the items of its ranking that `ItemFilter.allows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.catalog import Catalog
from whyrec.data.idmap import IdMap
from whyrec.errors import ConfigError, UnknownIdError

__all__ = ["ItemFilter"]


@dataclass(frozen=True)
class ItemFilter:
    """Which items a list may hold.

    Conditions on the same column are alternatives (``category:Comedy`` or ``category:Drama``); conditions
    on different columns, `exclude` and `candidates` must all hold. A multi-valued cell (``Action|Comedy``)
    matches any of its values; text is compared without regard to case; a numeric column matches the number.

    Attributes:
        where: (column, value) conditions on catalog columns.
        exclude: item ids never to recommend (ids the run does not know are ignored).
        candidates: when given, only these item ids may be recommended (unknown ids are ignored).

    Example:
        >>> ItemFilter.parse(category="Comedy", filters=["year:1995"], exclude="50,181").where
        (('category', 'Comedy'), ('year', '1995'))
    """

    where: tuple[tuple[str, str], ...] = ()
    exclude: tuple[str, ...] = ()
    candidates: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, *, category: str | None = None, filters: Iterable[str] = (),
              exclude: str | Iterable[str] = (), candidates: str | Iterable[str] | None = None) -> ItemFilter:
        """A filter from the arguments the CLI and the API take.

        Args:
            category: shorthand for ``filters=["category:VALUE"]``.
            filters: ``column:value`` conditions.
            exclude: item ids, as a sequence or one comma-separated string.
            candidates: item ids, as a sequence or one comma-separated string; None: every item.

        Raises:
            ConfigError: a condition is not ``column:value``.
        """
        where = [("category", category)] if category is not None else []
        for text in filters:
            column, sep, value = text.partition(":")
            if not sep or not column.strip() or not value.strip():
                raise ConfigError(f"filter {text!r}: expected column:value, e.g. category:Comedy.", field="filter")
            where.append((column.strip(), value.strip()))
        return cls(tuple(where), _ids(exclude), None if candidates is None else _ids(candidates))

    @property
    def is_empty(self) -> bool:
        """Whether the filter lets every item through."""
        return not self.where and not self.exclude and self.candidates is None

    @property
    def key(self) -> tuple[object, ...]:
        """A hashable identity of the filter (for caches of rendered lists)."""
        return self.where, self.exclude, self.candidates

    def mask(self, catalog: Catalog, items: IdMap) -> np.ndarray:
        """(n_items,) bool: True for the items the filter allows.

        Raises:
            UnknownIdError: a column is not in the catalog (``kind="column"``; the message lists them), or no
                item has any of a column's values (``kind="value"``; the message lists some that exist).
        """
        allowed = np.ones(len(items), dtype=bool)
        columns: dict[str, list[str]] = {}
        for column, value in self.where:
            columns.setdefault(column, []).append(value)
        for column, values in columns.items():
            allowed &= _column_mask(catalog, column, values, len(items))
        if self.candidates is not None:
            chosen = np.zeros(len(items), dtype=bool)
            chosen[_known(items, self.candidates)] = True
            allowed &= chosen
        allowed[_known(items, self.exclude)] = False
        return allowed

    def allows(self, ranking: IndexArray, catalog: Catalog, items: IdMap) -> IndexArray:
        """The items of `ranking` the filter allows, in their order."""
        if self.is_empty:
            return ranking
        kept: IndexArray = ranking[self.mask(catalog, items)[ranking]].astype(np.int32)
        return kept


def _ids(value: str | Iterable[str]) -> tuple[str, ...]:
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _known(items: IdMap, ids: Sequence[str]) -> IndexArray:
    if not ids:
        return np.zeros(0, dtype=np.int32)
    found = items.indices_of(list(ids), missing="mark")
    return found[found >= 0].astype(np.int32)


def _column_mask(catalog: Catalog, column: str, values: list[str], n_items: int) -> np.ndarray:
    table = catalog.attributes
    if column in table.numeric:
        numbers = [float(v) for v in values if _is_number(v)]
        column_values = np.asarray(table.numeric[column], dtype=np.float64)[:n_items]
        found = np.isin(column_values, numbers) & ~np.isnan(column_values)
        if not found.any():
            raise _unknown("value", column, values, sorted({f"{v:g}" for v in column_values[~np.isnan(column_values)]}))
        return _padded(found, n_items)
    if column not in table.categorical:
        error = UnknownIdError("column", [column], where="the catalog")
        error.message += f" Its columns: {', '.join(sorted(table.names)) or 'none'}."
        raise error
    wanted = {v.casefold() for v in values}
    cells = table.categorical[column]
    found = np.fromiter((any(v.casefold() in wanted for v in cell) for cell in cells[:n_items]), dtype=bool,
                        count=min(len(cells), n_items))
    if not found.any():
        raise _unknown("value", column, values, sorted({v for cell in cells for v in cell}))
    return _padded(found, n_items)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unknown(kind: str, column: str, values: list[str], existing: list[str]) -> UnknownIdError:
    """No item has any of `values` in `column`: the error lists some values that exist."""
    error = UnknownIdError(kind, [f"{column}:{v}" for v in values], where="the catalog")
    some = ", ".join(repr(v) for v in existing[:8]) + (", ..." if len(existing) > 8 else "")
    error.message = (f"No item has {' or '.join(repr(v) for v in values)} in column {column!r}; its values include "
                     f"{some or 'none'}.")
    return error


def _padded(found: np.ndarray, n_items: int) -> np.ndarray:
    """`found`, extended with False to `n_items` (items added after the catalog was read)."""
    if len(found) >= n_items:
        return found
    return np.concatenate([found, np.zeros(n_items - len(found), dtype=bool)])

