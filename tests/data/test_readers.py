"""Reading CSV, Parquet and JSON Lines into string tables, and every file-level loading error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from whyrec.data import load_dataset
from whyrec.data.readers import read_table
from whyrec.errors import DataError, DataFileError

FIXTURES = Path(__file__).parents[1] / "fixtures"

# events_ok.csv, row by row, as the reader must hand it over (every cell text, empty cells None)
EVENTS_OK_ROWS = [
    ("u1", "10", "2024-05-01T10:00:00Z", "view", None),
    ("u1", "10", "1714557660", "click", None),
    ("u1", "2", "2024-05-01T10:02:00Z", "purchase", "1"),
    ("u2", "10", "1714557600", "cart", None),
    ("u2", "2", "1714557600", "view", None),
    ("u2", "3", "2024-05-01T10:05:00+00:00", "rating", "4"),
    ("u2", "3", "1714558000", "wishlist", None),
    ("u3", "10", "1714557700", "rating", "5"),
    ("u3", "2", "2024-05-01T09:00:00Z", "view", None),
    ("u3", "3", "1714557800", "purchase", "2"),
    ("u1", "3", "1714558200", "rating", "3"),
    ("u3", "2", "1714557900", "click", None),
]
COLUMNS = ["user_id", "item_id", "timestamp", "event", "value"]


def rows_of(table: pd.DataFrame) -> list[tuple[str | None, ...]]:
    """Cells as plain str (None where missing), so tables from different readers compare equal."""
    out = []
    for record in table.astype(object).itertuples(index=False):
        cells = []
        for cell in record:
            assert isinstance(cell, str) or pd.isna(cell), f"not text: {cell!r}"
            cells.append(cell if isinstance(cell, str) else None)
        out.append(tuple(cells))
    return out


@pytest.mark.parametrize("name", ["events_ok.csv", "events_ok.parquet", "events_ok.jsonl"])
def test_every_format_reads_the_same_text(name: str) -> None:
    table = read_table(FIXTURES / name)
    assert list(table.columns) == COLUMNS
    assert rows_of(table) == EVENTS_OK_ROWS
    assert list(table.index) == list(range(12))


@pytest.mark.parametrize("name", ["events_ok.csv", "events_ok.parquet", "events_ok.jsonl"])
def test_categorical_columns_keep_the_same_values(name: str) -> None:
    table = read_table(FIXTURES / name, categorical=("user_id", "item_id", "event"))
    for column in ("user_id", "item_id", "event"):
        assert isinstance(table[column].dtype, pd.CategoricalDtype)
    assert not isinstance(table["timestamp"].dtype, pd.CategoricalDtype)
    assert sorted(table["item_id"].cat.categories) == ["10", "2", "3"]
    assert rows_of(table) == EVENTS_OK_ROWS


def test_float_parquet_ids_stay_integers_as_text(tmp_path: Path) -> None:
    # a Parquet export with a null anywhere in an integer column turns it into float64: 242 -> 242.0
    frame = pd.DataFrame({"user_id": [1.0, 2.0, 3.0], "item_id": [242.0, 7.0, 1682.0], "value": [3.5, 4.0, 1.0]})
    frame.to_parquet(tmp_path / "ratings.parquet")
    table = read_table(tmp_path / "ratings.parquet", categorical=("user_id", "item_id"))
    assert list(table["item_id"].astype(str)) == ["242", "7", "1682"]
    assert list(table["user_id"].astype(str)) == ["1", "2", "3"]
    assert list(table["value"]) == ["3.5", "4.0", "1.0"]  # not integral: the number is kept as is

    dataset, _ = load_dataset(tmp_path / "ratings.parquet")
    assert dataset.items.ids == ("7", "242", "1682")
    assert dataset.users.ids == ("1", "2", "3")


def test_float_parquet_id_with_a_null_is_a_missing_id(tmp_path: Path) -> None:
    pd.DataFrame({"user_id": ["u1", "u2"], "item_id": [242.0, np.nan]}).to_parquet(tmp_path / "e.parquet")
    assert rows_of(read_table(tmp_path / "e.parquet")) == [("u1", "242"), ("u2", None)]
    with pytest.raises(DataFileError) as e:
        load_dataset(tmp_path / "e.parquet")
    assert (e.value.row, e.value.column, e.value.value) == (2, "item_id", None)


def test_parquet_datetime_column_becomes_iso_text(tmp_path: Path) -> None:
    stamps = pd.to_datetime([1714557600, 1714557660], unit="s", utc=True)
    frame = pd.DataFrame({"user_id": ["u1", "u1"], "item_id": ["a", "b"], "timestamp": stamps})
    frame.to_parquet(tmp_path / "t.parquet")
    table = read_table(tmp_path / "t.parquet")
    assert list(table["timestamp"]) == ["2024-05-01T10:00:00+0000", "2024-05-01T10:01:00+0000"]
    dataset, _ = load_dataset(tmp_path / "t.parquet")
    assert dataset.events.timestamp.tolist() == [1714557600, 1714557660]


def test_csv_cells_are_stripped_and_empty_cells_are_missing(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("user_id, item_id ,value\n  u1,  7,\nu2,8,   \n")
    table = read_table(tmp_path / "e.csv")
    assert list(table.columns) == ["user_id", "item_id", "value"]
    assert rows_of(table) == [("u1", "7", None), ("u2", "8", None)]


def test_tsv_and_json_array_are_read(tmp_path: Path) -> None:
    (tmp_path / "e.tsv").write_text("user_id\titem_id\nu1\t7\nu2\t8\n")
    (tmp_path / "e.json").write_text('[{"user_id": "u1", "item_id": 7}, {"user_id": "u2", "item_id": 8}]')
    assert rows_of(read_table(tmp_path / "e.tsv")) == [("u1", "7"), ("u2", "8")]
    assert rows_of(read_table(tmp_path / "e.json")) == [("u1", "7"), ("u2", "8")]


def test_jsonl_epoch_timestamps_stay_numbers(tmp_path: Path) -> None:
    # a column named "timestamp" must not be turned into dates by the JSON reader
    (tmp_path / "e.jsonl").write_text('{"user_id": "u1", "item_id": 1, "timestamp": 1714557600}\n'
                                      '{"user_id": "u1", "item_id": 2, "timestamp": 1714557660}\n')
    assert list(read_table(tmp_path / "e.jsonl")["timestamp"]) == ["1714557600", "1714557660"]
    dataset, _ = load_dataset(tmp_path / "e.jsonl")
    assert dataset.events.timestamp.tolist() == [1714557600, 1714557660]


def test_utf8_bom_does_not_rename_the_first_column(tmp_path: Path) -> None:
    (tmp_path / "bom.csv").write_text("user_id,item_id\nu1,7\n", encoding="utf-8-sig")
    assert list(read_table(tmp_path / "bom.csv").columns) == ["user_id", "item_id"]


# ---- file-level errors: each names the file and says what was expected ----------------------------------


def test_empty_file() -> None:
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "empty.csv")
    assert e.value.path == str(FIXTURES / "empty.csv")
    assert (e.value.row, e.value.column) == (None, None)
    assert e.value.expected == "a header and at least one data row"
    assert "empty.csv: the file is empty." in str(e.value)
    assert "Expected a header and at least one data row." in str(e.value)


@pytest.mark.parametrize("name", ["header_only.csv", "empty.parquet"])
def test_file_without_data_rows(name: str) -> None:
    with pytest.raises(DataFileError) as e:
        read_table(FIXTURES / name)
    assert e.value.path == str(FIXTURES / name)
    assert e.value.row is None
    assert e.value.expected == "at least one data row"
    assert f"{name}: the file has a header but no data rows." in str(e.value)


def test_empty_parquet_has_a_schema() -> None:
    # the fixture itself: columns but no rows (so the error is about rows, not about a broken file)
    import pyarrow.parquet as pq

    schema = pq.read_schema(FIXTURES / "empty.parquet")
    assert schema.names == COLUMNS
    assert pq.read_metadata(FIXTURES / "empty.parquet").num_rows == 0


def test_corrupt_parquet_is_wrapped() -> None:
    with pytest.raises(DataFileError) as e:
        read_table(FIXTURES / "corrupt.parquet")
    assert e.value.path == str(FIXTURES / "corrupt.parquet")
    assert "corrupt.parquet: cannot be read as PARQUET" in str(e.value)
    # the pyarrow error is chained, not leaked
    import pyarrow as pa

    assert isinstance(e.value.__cause__, pa.ArrowException)
    assert not isinstance(e.value, pa.ArrowException)


def test_broken_jsonl_line(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_text('{"user_id": "u1", "item_id": 1}\n{not json\n')
    with pytest.raises(DataFileError) as e:
        read_table(tmp_path / "e.jsonl")
    assert e.value.path == str(tmp_path / "e.jsonl")
    assert "cannot be read as JSONL: line 2 is not a JSON object" in str(e.value) and e.value.row == 2
    assert isinstance(e.value.__cause__, ValueError)


def test_ragged_csv_row(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("user_id,item_id\nu1,1\nu1,2,3,4\n")
    with pytest.raises(DataFileError) as e:
        read_table(tmp_path / "e.csv")
    assert "e.csv: cannot be read as CSV" in str(e.value)
    assert "Expected 2 fields in line 3, saw 4" in str(e.value)


def test_missing_file() -> None:
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "no_such_file.csv")
    assert e.value.path == str(FIXTURES / "no_such_file.csv")
    assert "no_such_file.csv: no such file." in str(e.value)


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "events.csv").mkdir()
    with pytest.raises(DataFileError, match="is a folder, not a file"):
        read_table(tmp_path / "events.csv")


def test_unknown_suffix(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "events_ok.csv", tmp_path / "events.txt")
    with pytest.raises(DataFileError) as e:
        read_table(tmp_path / "events.txt")
    assert "unknown file type '.txt'" in str(e.value)
    assert ".csv" in e.value.expected and ".parquet" in e.value.expected and ".jsonl" in e.value.expected


def test_file_errors_are_data_errors_and_value_errors() -> None:
    with pytest.raises(DataError):
        read_table(FIXTURES / "empty.csv")
    with pytest.raises(ValueError):
        read_table(FIXTURES / "empty.csv")
