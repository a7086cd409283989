"""A file's own column names -> the standard ones (``user_id``, ``item_id``, ``timestamp``, ``event``, ``value``).

The mapping is part of the data source (``--user-column``, ``--time-column``, ``--rating-column``...), so a run
records it and later commands read the same file the same way. Columns that look like an order or a rating
but are not mapped are named in a warning, since they would otherwise be ignored without a word.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from whyrec._types import EventKind
from whyrec.data.schema import EVENT, ITEM_ID, TIMESTAMP, USER_ID, VALUE
from whyrec.errors import DataFileError, DataWarning, SchemaError

__all__ = ["ColumnMap", "map_columns"]

# lower-cased names that mean the same as a standard column, for the hint when one is missing or unmapped
_LOOKALIKES = {
    USER_ID: ("user", "userid", "user_idx", "customer_id", "customer", "visitor_id", "session_id", "uid"),
    ITEM_ID: ("item", "itemid", "item_idx", "product_id", "product", "sku", "movie_id", "article_id", "iid"),
    TIMESTAMP: ("seq_index", "sequence", "seq", "position", "order", "time", "ts", "datetime", "date",
                "event_time", "created_at", "timestamp_ms", "unix_time"),
    VALUE: ("rating", "ratings", "score", "stars"),
}
_FLAGS = {USER_ID: "--user-column", ITEM_ID: "--item-column", TIMESTAMP: "--time-column", VALUE: "--rating-column"}


@dataclass(frozen=True)
class ColumnMap:
    """Which column of the interactions file plays each standard role.

    Attributes:
        user: the user id column.
        item: the item id column.
        time: the time (or sequence order) column.
        value: the value column (a rating where ``event`` is ``rating``, else a quantity).
        rating: a column of ratings: every row becomes a ``rating`` event weighed by it.
    """

    user: str = USER_ID
    item: str = ITEM_ID
    time: str = TIMESTAMP
    value: str = VALUE
    rating: str | None = None

    def renames(self) -> dict[str, str]:
        """File column -> standard column, for the columns that differ."""
        pairs = {self.user: USER_ID, self.item: ITEM_ID, self.time: TIMESTAMP}
        pairs[self.rating or self.value] = VALUE
        return {source: target for source, target in pairs.items() if source != target}


def map_columns(table: pd.DataFrame, path: str | Path, columns: ColumnMap) -> tuple[pd.DataFrame, dict[str, str]]:
    """`table` with the standard column names, and standard name -> file name for messages.

    Raises:
        SchemaError: a named or a required column is missing (the hint names the flag to use).
        DataFileError: a standard column would be given twice.
    """
    names = list(table.columns)
    renames = columns.renames()
    for source, target in renames.items():
        if source not in names:
            flag = {columns.user: "--user-column", columns.item: "--item-column", columns.time: "--time-column",
                    columns.value: "--value-column", columns.rating: "--rating-column"}[source]
            raise SchemaError(path, [source], names, hint=f"{flag} {source} names a column the file does not have.")
        if target in names and target not in renames:
            raise DataFileError(path, f"has both {source!r} and {target!r} columns, and {source!r} is to be read as "
                                f"{target}.", hint=f"Rename or drop the {target!r} column.")
    if columns.rating is not None and EVENT in names:
        raise DataFileError(path, f"has an {EVENT!r} column, but --rating-column reads every row as a rating.",
                            hint=f"Use --value-column {columns.rating} instead: rows with event=rating then take "
                                 "their rating from it.")
    mapped = table.rename(columns=renames)
    if columns.rating is not None:
        mapped[EVENT] = pd.Categorical.from_codes([0] * len(mapped), [EventKind.RATING.value])
    _check_required(mapped, path)
    _warn_unmapped(mapped, path)
    labels = {target: source for source, target in renames.items()}
    return mapped, labels


def _lookalike(table: pd.DataFrame, role: str) -> str | None:
    lowered = {str(c).lower(): str(c) for c in table.columns}
    return next((lowered[n] for n in _LOOKALIKES[role] if n in lowered), None)


def _check_required(table: pd.DataFrame, path: str | Path) -> None:
    missing = [c for c in (USER_ID, ITEM_ID) if c not in table.columns]
    if not missing:
        return
    hints = [f"{_FLAGS[c]} {found}" for c in missing if (found := _lookalike(table, c)) is not None]
    hint = ("Name the file's own columns: " + ", ".join(hints) + "." if hints else
            "Interactions need user_id and item_id (or name yours with --user-column/--item-column); timestamp, "
            "event and value are optional.")
    raise SchemaError(path, missing, list(table.columns), hint=hint)


def _warn_unmapped(table: pd.DataFrame, path: str | Path) -> None:
    for role in (TIMESTAMP, VALUE):
        if role in table.columns or (found := _lookalike(table, role)) is None:
            continue
        what = "an order or time" if role == TIMESTAMP else "ratings"
        effect = "file order is used as time order" if role == TIMESTAMP else "every row counts as one interaction"
        warnings.warn(f"{path}: column {found!r} looks like {what} but is not used ({effect}); pass "
                      f"{_FLAGS[role]} {found} to use it.", DataWarning, stacklevel=3)
