"""Read CSV, Parquet or JSON Lines files into string-typed tables.

Every column is read as text first, so that validation (not the reader's type guessing) decides what a
value means and can name the row that is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from whyrec.errors import DataFileError

__all__ = ["SUPPORTED_SUFFIXES", "read_table"]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table with every column as strings (missing cells are NA).

    Args:
        path: a ``.csv``/``.tsv``, ``.parquet`` or ``.jsonl`` file.

    Returns:
        One row per data row, in file order, with a fresh RangeIndex.

    Raises:
        DataFileError: the file is missing, empty, of an unknown kind, or cannot be parsed.
    """
    path = Path(path)
    if not path.exists():
        raise DataFileError(path, "no such file.", hint="Check the path, or use a built-in dataset such as 'ml-100k'.")
    if path.is_dir():
        raise DataFileError(path, "is a folder, not a file.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataFileError(path, f"unknown file type {suffix!r}.", expected="one of " + ", ".join(SUPPORTED_SUFFIXES))
    if path.stat().st_size == 0:
        raise DataFileError(path, "the file is empty.", expected="a header and at least one data row")
    try:
        if suffix in (".csv", ".tsv"):
            table = pd.read_csv(
                path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False, na_values=[""],
                engine="c", skipinitialspace=True,
            )
        elif suffix in (".parquet", ".pq"):
            table = _stringify(pd.read_parquet(path))
        else:
            table = _stringify(pd.read_json(path, lines=suffix != ".json", dtype=False, convert_dates=False))
    except DataFileError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as e:
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataFileError(path, f"cannot be read as {suffix[1:].upper()}: {first_line}") from e
    except Exception as e:  # pyarrow raises its own error classes for corrupt Parquet files
        raise DataFileError(path, f"cannot be read as {suffix[1:].upper()}: {type(e).__name__}: {e}") from e
    if len(table) == 0:
        raise DataFileError(path, "the file has a header but no data rows.", expected="at least one data row")
    table.columns = [str(c).strip() for c in table.columns]
    return table.reset_index(drop=True)


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn typed columns into text; integral floats lose their '.0' so ids stay '242', not '242.0'."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_float_dtype(col):
            finite = col.dropna()
            if len(finite) and (finite == finite.round()).all():
                col = col.astype("Int64")
        if pd.api.types.is_datetime64_any_dtype(col):
            col = col.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        text = col.astype("string")
        out[str(name)] = text.where(col.notna(), pd.NA)
    return pd.DataFrame(out)
