"""Any shop's files as given: column names, rating columns, list separators, time units and split folders."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from whyrec.data import DataSource, load_dataset
from whyrec.errors import ConfigError, DataFileError, DataWarning, SchemaError
from whyrec.evaluate import FileSplit, load_file_split

from tests.data.shop_files import shop_events, split_folder, write


def test_own_column_names_order_and_ratings_are_read(tmp_path: Path) -> None:
    frame = shop_events()
    path = write(frame.drop(columns="epoch_ms"), tmp_path / "shop.csv")
    dataset, _ = load_dataset(path, user_column="customer", item_column="product", time_column="seq_index",
                              time_unit="order", rating_column="rating")
    assert len(dataset.events) == len(frame)
    assert dataset.events.event_names == ("rating",)
    assert sorted(dataset.events.weight.tolist()) == sorted(frame["rating"].astype(float).tolist())
    assert not dataset.events.has_timestamps and dataset.summary()["time_span"] is None
    # each user's events keep the order of the sequence index
    first_user = dataset.users.ids[0]
    expected = frame.loc[frame["customer"] == first_user].sort_values("seq_index")["product"].tolist()
    assert [dataset.items.ids[i] for i in dataset.events.item[dataset.events.user == 0]] == expected


def test_unused_order_and_rating_columns_are_named_in_a_warning(tmp_path: Path) -> None:
    frame = shop_events().rename(columns={"customer": "user_id", "product": "item_id"}).drop(columns="epoch_ms")
    path = write(frame, tmp_path / "shop.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_dataset(path)
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("'seq_index'" in m and "--time-column seq_index" in m for m in messages)
    assert any("'rating'" in m and "--rating-column rating" in m for m in messages)


def test_a_missing_id_column_names_the_flag_for_a_lookalike(tmp_path: Path) -> None:
    path = write(shop_events(), tmp_path / "shop.csv")
    with pytest.raises(SchemaError, match="--user-column customer, --item-column product"):
        load_dataset(path)
    with pytest.raises(SchemaError, match="--time-column when"):
        load_dataset(path, user_column="customer", item_column="product", time_column="when")


def test_rating_column_with_an_event_column_asks_for_value_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "b"], "event": ["rating", "view"],
                          "stars": ["4", ""]})
    path = write(frame, tmp_path / "mixed.csv")
    with pytest.raises(DataFileError, match="--value-column stars"):
        load_dataset(path, rating_column="stars")
    dataset, _ = load_dataset(path, value_column="stars")
    assert sorted(dataset.events.weight.tolist()) == [1.0, 4.0]


@pytest.mark.parametrize(("factor", "unit"), [(1_000, "ms"), (1_000_000, "us"), (1_000_000_000, "ns")])
def test_time_magnitude_is_checked_and_the_unit_named(tmp_path: Path, factor: int, unit: str) -> None:
    seconds = np.array([1_714_557_600, 1_714_557_700, 1_714_644_000], dtype=np.int64)
    frame = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "item_id": ["a", "b", "a"], "timestamp": seconds * factor})
    path = write(frame, tmp_path / "events.jsonl")
    with pytest.raises(DataFileError, match=f"--time-unit {unit}") as e:
        load_dataset(path)
    assert (e.value.row, e.value.column) == (1, "timestamp")
    dataset, _ = load_dataset(path, time_unit=unit)
    assert dataset.summary()["time_span"] == ["2024-05-01T10:00:00", "2024-05-02T10:00:00"]


def test_list_separator_splits_catalog_cells(tmp_path: Path) -> None:
    events = write(pd.DataFrame({"user_id": ["u1", "u1", "u2"], "item_id": ["a", "b", "a"]}), tmp_path / "e.csv")
    catalog = write(pd.DataFrame({"item_id": ["a", "b"], "genre": ["Action;Comedy", "Drama"]}), tmp_path / "c.csv")
    dataset, _ = load_dataset(events, catalog=catalog, list_separator=";")
    assert dataset.catalog.attributes.values("genre", dataset.items.index_of("a")) == ("Action", "Comedy")
    default, _ = load_dataset(events, catalog=catalog)
    assert default.catalog.attributes.values("genre", default.items.index_of("a")) == ("Action;Comedy",)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_split_folder_is_used_exactly(tmp_path: Path, suffix: str) -> None:
    folder, frame = split_folder(tmp_path, suffix)
    split, splitter, _ = load_file_split(DataSource(source=str(folder)))
    assert isinstance(splitter, FileSplit) and splitter.files["valid"] == f"valid{suffix}"
    assert split.protocol == "given-files(split)"
    ids = np.asarray(split.dataset.users.ids)[split.dataset.events.user]
    items = np.asarray(split.dataset.items.ids)[split.dataset.events.item]
    got = pd.DataFrame({"user_id": ids, "item_id": items, "part": split.part})
    merged = got.merge(frame, on=["user_id", "item_id"], suffixes=("", "_file"))
    assert len(got) == len(frame) and (merged["part"] == merged["part_file"]).all()


def test_split_folder_refuses_overlaps_and_unknown_ids(tmp_path: Path) -> None:
    folder, _ = split_folder(tmp_path)
    train = pd.read_csv(folder / "train.csv", dtype=str)
    test = pd.read_csv(folder / "test.csv", dtype=str)
    write(pd.concat([test, train.iloc[[5]]]), folder / "test.csv")
    with pytest.raises(DataFileError, match=r"also in train\.csv") as e:
        load_file_split(DataSource(source=str(folder)))
    assert e.value.row == len(test) + 1 and e.value.path.endswith("test.csv")
    stranger = pd.DataFrame({"user_id": ["nobody"], "item_id": [train["item_id"].iloc[0]],
                             "timestamp": [train["timestamp"].iloc[0]]})
    write(pd.concat([test, stranger]), folder / "test.csv")
    with pytest.raises(DataFileError, match=r"user 'nobody' is not in train\.csv") as e:
        load_file_split(DataSource(source=str(folder)))
    assert e.value.row == len(test) + 1
    (folder / "test.csv").unlink()
    with pytest.raises(ConfigError, match="no test file"):
        load_file_split(DataSource(source=str(folder)))


def test_a_sequence_index_read_as_seconds_suggests_order(tmp_path: Path) -> None:
    frame = shop_events().drop(columns="epoch_ms")
    path = write(frame, tmp_path / "shop.csv")
    options = {"user_column": "customer", "item_column": "product", "time_column": "seq_index"}
    with pytest.warns(DataWarning, match="first week of 1970.*--time-unit order"):
        load_dataset(path, rating_column="rating", **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        load_dataset(path, rating_column="rating", time_unit="order", **options)
