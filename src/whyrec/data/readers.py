"""Read CSV, Parquet or JSON Lines files into string-typed tables.

Every column is read as text first, so that validation (not the reader's type guessing) decides what a
value means and can name the row that is wrong.
"""

from __future__ import annotations

import codecs
import csv
import json
import warnings
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from whyrec.data.columns import recode_categorical
from whyrec.errors import DataFileError

__all__ = ["SUPPORTED_SUFFIXES", "as_text", "read_table"]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def read_table(path: str | Path, *, categorical: Collection[str] = (), encoding: str = "utf-8") -> pd.DataFrame:
    """Read a table with every column as strings (missing cells are NA).

    Args:
        path: a ``.csv``/``.tsv``, ``.parquet`` or ``.jsonl`` file.
        categorical: columns to return as pandas categoricals of text (ids, event names): one small integer
            code per row instead of one string, which is what keeps 10 million events in memory.
        encoding: text encoding of a CSV or JSON file (``latin-1``, ``cp1252``...; Parquet ignores it).

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
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise DataFileError(path, f"unknown text encoding {encoding!r}.", expected="an encoding Python knows, such "
                            "as utf-8, latin-1 or cp1252") from None
    try:
        if suffix in (".csv", ".tsv"):
            table = _read_csv(path, "\t" if suffix == ".tsv" else ",", categorical, codec)
        elif suffix in (".parquet", ".pq"):
            table = as_text(pd.read_parquet(path))
        else:
            table = as_text(_read_json(path, lines=suffix != ".json", encoding=codec))
    except DataFileError:
        raise
    except UnicodeDecodeError as e:
        raise _decoding_error(path, codec, header=suffix in (".csv", ".tsv")) or DataFileError(
            path, f"is not valid {codec} text ({e.reason}).", hint=_ENCODING_HINT) from None
    except ValueError as e:
        if suffix in (".jsonl", ".ndjson") and (broken := _broken_json_line(path, codec)) is not None:
            raise broken from e
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataFileError(path, f"cannot be read as {suffix[1:].upper()}: {first_line}") from e
    except (OSError, pd.errors.ParserError) as e:
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataFileError(path, f"cannot be read as {suffix[1:].upper()}: {first_line}") from e
    except Exception as e:  # pyarrow raises its own error classes for corrupt Parquet files
        raise DataFileError(path, f"cannot be read as {suffix[1:].upper()}: {type(e).__name__}: {e}") from e
    if len(table) == 0:
        raise DataFileError(path, "the file has a header but no data rows.", expected="at least one data row")
    table.columns = [str(c).strip() for c in table.columns]
    for name in categorical:
        if name in table.columns and not isinstance(table[name].dtype, pd.CategoricalDtype):
            table[name] = table[name].astype("category")
    return table.reset_index(drop=True)


def _read_csv(path: Path, delimiter: str, categorical: Collection[str], encoding: str = "utf-8") -> pd.DataFrame:
    """CSV with every column as text: pyarrow's reader when it can, pandas' (slower, bigger) reader otherwise.

    pyarrow keeps about 8 bytes a cell instead of one Python str per cell. It reproduces what pandas does with
    ``skipinitialspace`` (leading spaces dropped, a cell of spaces is empty); any file it rejects (ragged rows,
    bad UTF-8) or that pandas reads in its own way (repeated or empty header names) goes to pandas, so errors
    and results stay those of pandas.
    """
    table = _read_csv_arrow(path, delimiter, categorical) if encoding == "utf-8" else None
    if table is not None:
        return table
    table = pd.read_csv(
        path, sep=delimiter, dtype=str, keep_default_na=False, na_values=[""], engine="c", skipinitialspace=True,
        encoding=encoding,
    )
    return table


def _read_csv_arrow(path: Path, delimiter: str, categorical: Collection[str]) -> pd.DataFrame | None:
    """The CSV through pyarrow, or None when it needs pandas' reader."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        header = next(csv.reader([f.readline()], delimiter=delimiter), [])
    names = [h.strip() for h in header]
    if not names or "" in names or len(set(names)) != len(names) or any(h.lstrip(" ").startswith('"') for h in header):
        return None
    columns = [f"c{i}" for i in range(len(names))]
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {c: dictionary if n in categorical else pa.string() for c, n in zip(columns, names, strict=True)}
    try:
        arrow = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=columns, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True),
        )
    except (pa.ArrowException, OSError):
        return None
    out: dict[str, pd.Series | pd.Categorical] = {}
    for column, name in zip(columns, names, strict=True):
        values = arrow.column(column)
        arrow = arrow.drop_columns([column])  # frees each Arrow column once converted
        if name in categorical:
            cells = values.to_pandas()
            cells = _lstrip_spaces(cells.array if isinstance(cells.dtype, pd.CategoricalDtype)
                                   else pd.Categorical(cells))
            if cells.categories.astype(str).str.startswith('"').any():
                return None  # a quoted cell after spaces: pandas unquotes it
            out[name] = cells
            continue
        if pc.any(pc.starts_with(values, " ")).as_py():
            values = pc.utf8_ltrim(values, characters=" ")
            if pc.any(pc.starts_with(values, '"')).as_py():
                return None
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
        out[name] = values.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    del arrow, values
    pa.default_memory_pool().release_unused()  # the parser's buffers: hundreds of MB at 10 million rows
    return pd.DataFrame(out)


def _lstrip_spaces(values: pd.Categorical) -> pd.Categorical:
    """Leading spaces removed from every category; a category of spaces only becomes missing."""
    if not values.categories.astype(str).str.startswith(" ").any():
        return values
    return recode_categorical(values, lambda text: text.str.lstrip(" "))


def _read_json(path: Path, *, lines: bool, encoding: str = "utf-8") -> pd.DataFrame:
    """JSON (Lines) without date guessing: a column named ``timestamp`` must stay the numbers it holds.

    pandas 3 deprecates ``convert_dates`` and will drop it; until then it is the only switch that stops the
    guessing, so it is passed while it exists and its deprecation warning is silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return pd.read_json(path, lines=lines, dtype=False, convert_dates=False, encoding=encoding)
        except TypeError:  # a pandas that no longer knows the keyword no longer guesses dates either
            return pd.read_json(path, lines=lines, dtype=False, encoding=encoding)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
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


_ENCODING_HINT = ("Give the file's encoding with --encoding (e.g. --encoding latin-1, or cp1252 for Windows "
                  "exports), or save it as UTF-8.")


def _decoding_error(path: Path, encoding: str, *, header: bool) -> DataFileError | None:
    """The error naming the first line that is not valid `encoding` text (found by a second, line-wise pass)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as e:
                row = number - 1 if header else number
                return DataFileError(path, f"line {number} is not valid {encoding} text: byte 0x{raw[e.start]:02x} "
                                     f"at character {e.start + 1} ({e.reason}).", row=row, hint=_ENCODING_HINT)
    return None


def _broken_json_line(path: Path, encoding: str) -> DataFileError | None:
    """The error naming the first line of a JSON Lines file that is not a JSON object."""
    with open(path, encoding=encoding, errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as e:
                problem = f"{e.msg} at character {e.colno}"
            else:
                if isinstance(value, dict):
                    continue
                problem = f"a JSON {type(value).__name__}, not an object"
            return DataFileError(path, f"cannot be read as JSONL: line {number} is not a JSON object: {problem}.",
                                 row=number, expected='one JSON object per line, e.g. {"user_id": "u1", '
                                                      '"item_id": "i9"}')
    return None
