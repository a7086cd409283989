"""Text columns to typed ones: numbers, epoch seconds and cleaned categoricals, cheap at 10 million rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = [
    "LATEST_SECONDS",
    "implied_time_unit",
    "parse_timestamps",
    "recode_categorical",
    "release_arrow_memory",
    "stripped_categorical",
    "to_float",
]


def to_float(values: pd.Series) -> pd.Series:
    """Text -> float64 (NaN where missing or not a number).

    Arrow's cast parses a whole column of clean numbers about ten times faster than pandas; a column with any
    non-number falls back to pandas, which marks each bad cell so the error can name its row.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        cast = pc.cast(pa.array(values, from_pandas=True), pa.float64())
        return pd.Series(cast.to_numpy(zero_copy_only=False), index=values.index, dtype=np.float64)
    except (pa.ArrowException, TypeError, ValueError):
        return pd.to_numeric(values, errors="coerce").astype(np.float64)


#: 2100-01-01T00:00:00Z in epoch seconds: a number of seconds beyond it is most likely in a finer unit.
LATEST_SECONDS = 4_102_444_800
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000, "order": 1}


def implied_time_unit(number: float) -> str:
    """The finest unit in which `number` since 1970 is no later than the year 2100 (``s`` ... ``ns``)."""
    for unit in ("s", "ms", "us"):
        if abs(number) <= LATEST_SECONDS * _PER_SECOND[unit]:
            return unit
    return "ns"


def parse_timestamps(values: pd.Series, unit: str = "s") -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers in `unit` since 1970, or ISO 8601 text, into int64 epoch seconds.

    Args:
        values: the text column.
        unit: what a number counts (``s``, ``ms``, ``us``, ``ns``), or ``order`` for a plain sequence index,
            which is kept as it is and admits no ISO dates.

    Returns:
        (seconds, bad): int64 seconds (or order positions; 0 where bad) and a bool mask of unparseable or
        missing cells.
    """
    numeric = to_float(values).to_numpy(dtype=np.float64, na_value=np.nan)
    if unit not in ("s", "order"):
        numeric = numeric / _PER_SECOND[unit]
    # 'inf' and 1e30 parse as floats but are no time: casting them to int64 would give garbage silently
    ok = np.isfinite(numeric) & (np.abs(numeric) < 2.0**63)
    seconds = np.zeros(len(values), dtype=np.int64)
    seconds[ok] = np.floor(numeric[ok]).astype(np.int64)
    rest = ~ok & values.notna().to_numpy()
    if rest.any() and unit != "order":
        parsed = pd.to_datetime(values[rest], format="ISO8601", utc=True, errors="coerce")
        good = parsed.notna().to_numpy()
        idx = np.flatnonzero(rest)
        stamps = parsed[good].to_numpy(dtype="datetime64[s]").astype(np.int64)
        seconds[idx[good]] = stamps
        ok[idx[good]] = True
    return seconds, ~ok


def release_arrow_memory() -> None:
    """Hand Arrow's freed buffers (text columns, numeric casts) back to the system."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def stripped_categorical(column: pd.Series, *, lower: bool = False) -> pd.Categorical:
    """The column as a categorical of stripped (optionally lower-cased) text; empty cells get code -1.

    Cleaning happens on the distinct values only, which is what keeps 10 million rows cheap.
    """
    if lower:
        return recode_categorical(column, lambda text: text.str.strip().str.lower())
    return recode_categorical(column, lambda text: text.str.strip())


def recode_categorical(column: pd.Series | pd.Categorical,
                       transform: Callable[[pd.Index], pd.Index]) -> pd.Categorical:
    """`column` as a categorical whose categories went through `transform` (text -> text).

    Categories that become equal are merged; those that become empty, and missing cells, get code -1.
    """
    raw = column if isinstance(column, pd.Categorical) else pd.Categorical(column)
    codes = np.asarray(raw.codes)
    if len(raw.categories) == 0:
        return pd.Categorical.from_codes(np.full(len(codes), -1, dtype=np.int32), pd.Index([], dtype=object))
    text = transform(pd.Index(raw.categories.astype(str), dtype=object))
    new_codes, uniques = pd.factorize(text)  # values that become equal are merged
    mapped = np.where(codes >= 0, new_codes[np.maximum(codes, 0)], -1)
    if "" in set(uniques):
        empty = int(np.flatnonzero(uniques == "")[0])
        mapped = np.where(mapped == empty, -1, mapped - (mapped > empty))
        uniques = uniques.delete(empty)
    return pd.Categorical.from_codes(mapped.astype(np.int32), pd.Index(uniques, dtype=object))
