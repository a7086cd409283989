"""Check and clean raw tables; every change is counted in a CleaningReport, none is silent."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from whyrec._types import EventKind
from whyrec.data.columns import (
    LATEST_SECONDS,
    implied_time_unit,
    parse_timestamps,
    release_arrow_memory,
    stripped_categorical,
    to_float,
)
from whyrec.data.schema import (
    EVENT,
    ITEM_ID,
    REQUIRED_INTERACTION_COLUMNS,
    TIMESTAMP,
    USER_ID,
    VALUE,
    EventWeights,
    TimeUnit,
)
from whyrec.errors import DataFileError, DataWarning, SchemaError

__all__ = [
    "DUPLICATE_ROWS",
    "CleaningReport",
    "InvalidRows",
    "UnknownItems",
    "check_unique_ids",
    "clean_interactions",
    "require_columns",
]

InvalidRows = Literal["error", "drop"]
UnknownItems = Literal["keep", "drop", "error"]
_SHOWN_ROWS = 3
#: The `CleaningReport.dropped` reason of exact duplicates (the earliest row stays).
DUPLICATE_ROWS = "exact duplicate of an earlier row (same user, item, time, event and value)"
_FIRST_WEEK = 7 * 86_400


@dataclass
class CleaningReport:
    """What loading did to the data: rows read, kept, dropped or filled, and why.

    Attributes:
        rows_read: data rows in the interactions file.
        rows_kept: rows that made it into the dataset.
        dropped: rows dropped, by reason.
        filled: cells filled with a default, by reason.
        notes: anything else worth saying (custom event names, items absent from the catalog).
    """

    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def drop(self, reason: str, n: int) -> None:
        """Record `n` rows dropped for `reason` (zero is not recorded)."""
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def fill(self, reason: str, n: int) -> None:
        """Record `n` cells filled with a default for `reason`."""
        if n:
            self.filled[reason] = self.filled.get(reason, 0) + int(n)

    @property
    def is_clean(self) -> bool:
        """True when nothing was dropped or filled."""
        return not self.dropped and not self.filled

    def lines(self) -> list[str]:
        """Human-readable summary, one line per fact."""
        out = [f"{self.rows_read:,} rows read, {self.rows_kept:,} kept"]
        out += [f"dropped {n:,} rows: {reason}" for reason, n in self.dropped.items()]
        out += [f"filled {n:,} cells: {reason}" for reason, n in self.filled.items()]
        return out + list(self.notes)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"rows_read": self.rows_read, "rows_kept": self.rows_kept, "dropped": dict(self.dropped),
                "filled": dict(self.filled), "notes": list(self.notes)}


def require_columns(table: pd.DataFrame, path: str | Path, required: tuple[str, ...], hint: str = "") -> None:
    """Raise SchemaError when `table` lacks any of `required`."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise SchemaError(path, missing, list(table.columns), hint=hint)


def _raise_rows(path: str | Path, bad: np.ndarray, column: str, values: pd.Series, message: str, expected: str,
                hint: str = "", label: str | None = None) -> None:
    """Raise DataFileError for the first row where `bad` is set, listing a few more."""
    rows = np.flatnonzero(bad)
    first = int(rows[0])
    value = values.iloc[first]
    shown = value if value is not pd.NA and not (isinstance(value, float) and np.isnan(value)) else None
    raise DataFileError(
        path, message.format(value=repr(shown) if shown is not None else "an empty cell"),
        row=first + 1, column=label or column, value=shown, expected=expected,
        more_rows=[int(r) + 1 for r in rows[1:1 + _SHOWN_ROWS]], n_more=len(rows) - 1, hint=hint,
    )


def clean_interactions(
    table: pd.DataFrame,
    path: str | Path,
    *,
    weights: EventWeights,
    on_invalid: InvalidRows = "error",
    time_unit: TimeUnit | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Validate an interactions table and turn it into typed columns.

    Args:
        table: string table from :func:`whyrec.data.readers.read_table`, with the standard column names.
        path: the file, for messages.
        weights: event weights.
        on_invalid: ``"error"`` raises on the first bad row; ``"drop"`` drops bad rows and counts them.
        time_unit: what the numbers of ``timestamp`` count; None means seconds, and refuses numbers that
            would be dates after the year 2100 (they are most likely milliseconds or finer).
        labels: standard column name -> the file's own name, for messages.

    Returns:
        A frame with ``user_id``, ``item_id`` (str), ``timestamp`` (int64 seconds, or the row number when the
        file has no timestamps), ``event`` (str), ``value`` (float, NaN when absent), ``weight`` (float32) and
        ``row`` (1-based data row), plus the report.

    Raises:
        SchemaError: a required column is missing.
        DataFileError: a cell is empty or unparseable (with ``on_invalid="error"``), or the time column's
            magnitude is ambiguous.
    """
    labels = labels or {}
    require_columns(table, path, REQUIRED_INTERACTION_COLUMNS,
                    hint="Interactions need user_id and item_id; timestamp, event and value are optional.")
    report = CleaningReport(rows_read=len(table))
    keep = np.ones(len(table), dtype=bool)

    def check(bad: np.ndarray, column: str, message: str, expected: str, reason: str) -> None:
        bad = bad & keep
        if not bad.any():
            return
        if on_invalid == "error":
            _raise_rows(path, bad, column, table[column], message, expected,
                        hint="Fix them, or drop them with --drop-invalid (on_invalid='drop').",
                        label=labels.get(column))
        report.drop(reason, int(bad.sum()))
        keep[bad] = False

    ids: dict[str, pd.Categorical] = {}
    for column in (USER_ID, ITEM_ID):
        ids[column] = stripped_categorical(table[column])
        check(np.asarray(ids[column].codes < 0), column, "missing id ({value}).", f"a non-empty {column}",
              f"missing {column}")

    has_time = TIMESTAMP in table.columns
    if has_time:
        seconds, bad_time = parse_timestamps(table[TIMESTAMP], time_unit or "s")
        check(bad_time, TIMESTAMP, "cannot read {value} as a time.",
              "a sequence number (--time-unit order)" if time_unit == "order" else
              "epoch seconds (e.g. 1714557600) or ISO 8601 (e.g. 2024-05-01T10:00:00Z)", "unreadable timestamp")
        if time_unit is None:
            _check_time_magnitude(table[TIMESTAMP], seconds, keep, path, labels.get(TIMESTAMP, TIMESTAMP))
    else:
        seconds = np.arange(len(table), dtype=np.int64)
        report.notes.append("no timestamp column: file order is used as time order")

    if EVENT in table.columns:
        events = stripped_categorical(table[EVENT], lower=True)
        missing_event = np.asarray(events.codes < 0)
        report.fill(f"event missing, counted as a plain interaction (weight {weights.default:g})",
                    int((missing_event & keep).sum()))
        if missing_event.any():
            events = events.add_categories(["interaction"]) if "interaction" not in events.categories else events
            events[missing_event] = "interaction"
    else:
        events = pd.Categorical.from_codes(np.zeros(len(table), dtype=np.int8), ["interaction"])

    if VALUE in table.columns:
        values = to_float(table[VALUE])
        present = table[VALUE].notna().to_numpy()
        check(present & values.isna().to_numpy(), VALUE, "cannot read {value} as a number.",
              "a number (a rating or a quantity)", "value is not a number")
        values_np = values.to_numpy(dtype=np.float64, na_value=np.nan)
        del values, present
    else:
        values_np = np.full(len(table), np.nan)

    event_codes = np.asarray(events.codes)
    is_rating = event_codes == (list(events.categories).index(EventKind.RATING)
                                if EventKind.RATING in events.categories else -2)
    rating_missing = is_rating & np.isnan(values_np)
    check(rating_missing, VALUE if VALUE in table.columns else EVENT, "a rating event without a value ({value}).",
          "a numeric value on every rating row", "rating without value")

    used = set(np.unique(event_codes[keep]).tolist())
    weight_of = {str(name): weights.weight_of(str(name)) for code, name in enumerate(events.categories) if code in used}
    per_code = np.array([weights.weight_of(str(name)) for name in events.categories], dtype=np.float64)
    weight = np.where(is_rating, values_np, per_code[event_codes])
    check(is_rating & (values_np <= 0), VALUE, "a rating of {value} cannot be a weight.",
          "a positive rating", "non-positive rating")
    custom = sorted(set(weight_of) - {k.value for k in EventKind} - {"interaction"})
    if custom:
        report.notes.append("event names without a built-in weight: " + ", ".join(custom)
                            + " (weights: " + ", ".join(f"{c}={weight_of[c]:g}" for c in custom) + ")")

    frame = pd.DataFrame({
        # categoricals: integer codes plus each distinct id once, not one Python string per row
        USER_ID: ids[USER_ID],
        ITEM_ID: ids[ITEM_ID],
        TIMESTAMP: seconds,
        EVENT: events,
        VALUE: values_np.astype(np.float32),
        "weight": weight.astype(np.float32),
    }, copy=False)  # the index is the 0-based data row: errors add 1
    del seconds, values_np, weight, ids, events, event_codes, is_rating, rating_missing
    release_arrow_memory()
    if not keep.all():
        frame = frame[keep]
    duplicated = _exact_duplicates(frame)
    if duplicated.any():
        report.drop(DUPLICATE_ROWS,
                    int(duplicated.sum()))
        frame = frame[~duplicated]
    if len(frame) == 0:
        raise DataFileError(path, "no valid rows are left after cleaning.", hint="; ".join(report.lines()))
    report.rows_kept = len(frame)
    return frame, report


def _check_time_magnitude(values: pd.Series, seconds: np.ndarray, keep: np.ndarray, path: str | Path,
                          label: str) -> None:
    """Refuse numbers that read as dates after the year 2100 in seconds: they are ms, us or ns (or an order).

    Numbers that all read as the first days of 1970 are most likely a sequence index: a warning says so.
    """
    late = (seconds > LATEST_SECONDS) & keep
    if not late.any():
        if keep.any() and seconds[keep].min() >= 0 and seconds[keep].max() < _FIRST_WEEK:
            warnings.warn(f"{path}: column {label!r} reads as times in the first week of 1970; if it is a sequence "
                          "index, pass --time-unit order (time_unit='order').", DataWarning, stacklevel=4)
        return
    numbers = to_float(values[late]).to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(numbers).all():
        return  # ISO dates after 2100 are written out and mean what they say
    first = float(numbers[~np.isnan(numbers)][0])
    unit = implied_time_unit(first)
    names = {"ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds", "s": "seconds"}
    bad = np.zeros(len(values), dtype=bool)
    bad[np.flatnonzero(late)[~np.isnan(numbers)]] = True
    _raise_rows(path, bad, TIMESTAMP, values, "{value} is a date after the year 2100 if counted in seconds.",
                "epoch seconds, or the unit given with --time-unit",
                hint=f"The column looks like {names[unit]} since 1970: pass --time-unit {unit} (time_unit='{unit}'), "
                     "or --time-unit order if it is a plain sequence index.", label=label)


def _exact_duplicates(frame: pd.DataFrame) -> np.ndarray:
    """True for rows equal to an earlier row in every column.

    A 64-bit hash of the five keys, sorted once, finds the candidates (true duplicates plus rare hash
    collisions); only those rows are then compared exactly. At 10 million rows this is several times faster
    than a lexsort on five keys, and far leaner than pandas' multi-column ``duplicated``.
    """
    keys = [np.asarray(frame[USER_ID].cat.codes), np.asarray(frame[ITEM_ID].cat.codes),
            frame[TIMESTAMP].to_numpy(), np.asarray(frame[EVENT].cat.codes),
            np.nan_to_num(frame[VALUE].to_numpy(), nan=-np.inf) + 0.0]  # + 0.0 turns -0.0 into 0.0 (same bits)
    mixed = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for key in keys:
            mixed ^= key.view(f"u{key.dtype.itemsize}").astype(np.uint64, copy=False)
            mixed *= np.uint64(0x9E3779B97F4A7C15)  # wraps: a multiplicative hash step
            mixed ^= mixed >> np.uint64(29)
    # rows whose hash occurs more than once, by one sort (a hash table of 10M keys costs several times more)
    ordered = np.sort(mixed)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    del ordered
    if len(repeated):
        repeated = np.unique(repeated)
        where = np.minimum(np.searchsorted(repeated, mixed), len(repeated) - 1)
        candidates = np.flatnonzero(repeated[where] == mixed)
        del where
    else:
        candidates = np.zeros(0, dtype=np.int64)
    duplicated = np.zeros(len(frame), dtype=bool)
    if len(candidates):
        exact = pd.DataFrame({str(i): key[candidates] for i, key in enumerate(keys)})
        duplicated[candidates[exact.duplicated(keep="first").to_numpy()]] = True  # the earliest row stays
    return duplicated


def check_unique_ids(table: pd.DataFrame, path: str | Path, column: str) -> None:
    """Raise DataFileError when `column` has an empty or a repeated value (catalog and user tables)."""
    ids = table[column].str.strip()
    table[column] = ids
    empty = (ids.isna() | (ids == "")).to_numpy()
    if empty.any():
        _raise_rows(path, empty, column, ids, "missing id ({value}).", f"a non-empty {column} on every row")
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        first_row = int(np.flatnonzero(dup)[0])
        earlier = int(np.flatnonzero((ids == ids.iloc[first_row]).to_numpy())[0]) + 1
        _raise_rows(path, dup, column, ids, "duplicate id {value}" + f" (first seen on row {earlier}).",
                    "each id once", hint="Merge or remove the repeated rows.")


def split_unknown_items(frame: pd.DataFrame, known: pd.Index, path: str | Path, policy: UnknownItems,
                        report: CleaningReport) -> pd.DataFrame:
    """Apply `policy` to interactions whose item is not in the catalog."""
    unknown = ~frame[ITEM_ID].isin(known).to_numpy()
    n = int(unknown.sum())
    if not n:
        return frame
    n_items = frame.loc[unknown, ITEM_ID].nunique()
    examples = ", ".join(repr(i) for i in frame.loc[unknown, ITEM_ID].unique()[:3])
    message = (f"{path}: {n:,} interactions name {n_items:,} items that are not in the catalog (e.g. {examples}).")
    if policy == "error":
        first = int(frame.index[unknown][0]) + 1
        item = str(frame.loc[unknown, ITEM_ID].iloc[0])
        raise DataFileError(path, f"item {item!r} is not in the catalog "
                            f"({n:,} rows, {n_items:,} items like this).", row=first, column=ITEM_ID,
                            value=item, expected="an item_id listed in the catalog",
                            hint="Add them to the catalog or load with unknown_items='drop' (--drop-unknown-items).")
    if policy == "drop":
        report.drop("item not in the catalog", n)
        warnings.warn(message + " They were dropped.", DataWarning, stacklevel=3)
        return frame[~unknown]
    report.notes.append(f"{n:,} interactions with {n_items:,} items that are not in the catalog (kept)")
    warnings.warn(message + " They are kept; drop them with unknown_items='drop' (--drop-unknown-items).",
                  DataWarning, stacklevel=3)
    return frame
