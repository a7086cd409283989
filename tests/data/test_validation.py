"""Validation and cleaning: every cell-level loading error, the drop policies and the CleaningReport."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from whyrec.data import CleaningReport, EventWeights, load_dataset
from whyrec.data.columns import parse_timestamps
from whyrec.data.validation import clean_interactions, require_columns
from whyrec.errors import DataFileError, DataWarning, SchemaError

FIXTURES = Path(__file__).parents[1] / "fixtures"
TIME_EXPECTED = "epoch seconds (e.g. 1714557600) or ISO 8601 (e.g. 2024-05-01T10:00:00Z)"
DUPLICATE_REASON = "exact duplicate of an earlier row (same user, item, time, event and value)"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---- unparseable timestamp ---------------------------------------------------------------------------


def test_bad_timestamp_names_file_row_column_and_expected_form() -> None:
    path = FIXTURES / "bad_timestamp.csv"
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    err = e.value
    assert (err.row, err.column) == (3, "timestamp")
    assert err.path == str(path)
    assert err.value == "2024-13-01 10:00"
    assert err.expected == TIME_EXPECTED
    # rows 5, 6, 8 and 9 are bad too; the first three are listed
    assert err.more_rows == (5, 6, 8)
    text = str(err)
    assert text.startswith(f'{path}, row 3, column "timestamp": cannot read \'2024-13-01 10:00\' as a time.')
    assert f"Expected {TIME_EXPECTED}." in text
    assert "4 more rows fail the same way (rows 5, 6, 8, ...)." in text
    assert "on_invalid='drop'" in text


def test_bad_timestamp_rows_dropped_and_counted() -> None:
    dataset, report = load_dataset(FIXTURES / "bad_timestamp.csv", on_invalid="drop")
    assert report.rows_read == 10
    assert report.rows_kept == 5
    assert report.dropped == {"unreadable timestamp": 5}
    assert not report.is_clean
    assert "dropped 5 rows: unreadable timestamp" in report.lines()
    # the good rows: u1/1, u1/2, u2/1, u3/1, u3/4
    assert len(dataset.events) == 5
    assert dataset.users.ids == ("u1", "u2", "u3")
    assert dataset.items.ids == ("1", "2", "4")


def test_empty_timestamp_cell_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id,timestamp\nu1,1,1714557600\nu1,2,\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column, e.value.value) == (2, "timestamp", None)
    assert "cannot read an empty cell as a time" in str(e.value)


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e30", "NaN"])
def test_non_finite_or_huge_numbers_are_not_times(tmp_path: Path, cell: str) -> None:
    path = write(tmp_path, "e.csv", f"user_id,item_id,timestamp\nu1,1,1714557600\nu1,2,{cell}\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column, e.value.value) == (2, "timestamp", cell)


def test_timestamp_forms() -> None:
    cells = pd.Series(["1714557600", "1714557600.9", "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00",
                       "2024-05-01 10:00:00", "2024-05-01", "-60", "soon", None], dtype="string")
    seconds, bad = parse_timestamps(cells)
    assert bad.tolist() == [False] * 7 + [True, True]
    # naive ISO times are UTC; fractional epoch seconds are floored; a date alone is its midnight
    assert seconds[:7].tolist() == [1714557600, 1714557600, 1714557600, 1714557600, 1714557600, 1714521600, -60]


# ---- missing required column ---------------------------------------------------------------------------


def test_missing_item_id_column() -> None:
    path = FIXTURES / "missing_item_id.csv"
    with pytest.raises(SchemaError) as e:
        load_dataset(path)
    assert e.value.path == str(path)
    assert e.value.missing == ("item_id",)
    assert e.value.found == ("user_id", "product", "timestamp")
    assert str(e.value).startswith(f"{path} has no column \"item_id\"; found: ['user_id', 'product', 'timestamp'].")


def test_missing_both_required_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "customer,sku\nc1,1\n")
    with pytest.raises(SchemaError) as e:
        load_dataset(path)
    assert e.value.missing == ("user_id", "item_id")
    assert e.value.found == ("customer", "sku")


def test_require_columns_passes_and_fails() -> None:
    table = pd.DataFrame({"item_id": ["1"], "title": ["x"]})
    require_columns(table, "catalog.csv", ("item_id",))  # no error
    with pytest.raises(SchemaError) as e:
        require_columns(table, "catalog.csv", ("item_id", "brand"), hint="Add a brand column.")
    assert (e.value.path, e.value.missing, e.value.found) == ("catalog.csv", ("brand",), ("item_id", "title"))
    assert str(e.value).endswith("Add a brand column.")


# ---- a column of the wrong type ------------------------------------------------------------------------


def test_non_numeric_value() -> None:
    path = FIXTURES / "bad_value.csv"
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column, e.value.value) == (2, "value", "four")
    assert e.value.path == str(path)
    assert e.value.expected == "a number (a rating or a quantity)"
    assert e.value.more_rows == ()
    assert str(e.value).startswith(f'{path}, row 2, column "value": cannot read \'four\' as a number.')


def test_non_numeric_value_dropped() -> None:
    dataset, report = load_dataset(FIXTURES / "bad_value.csv", on_invalid="drop")
    assert report.dropped == {"value is not a number": 1}
    assert (report.rows_read, report.rows_kept) == (4, 3)
    # u1/1 rating 4, u2/1 rating 3.5, u2/2 purchase (weight 5, value 2 is a quantity)
    assert dataset.interactions.toarray().tolist() == [[4.0, 0.0], [3.5, 5.0]]


# ---- missing values ------------------------------------------------------------------------------------


def test_missing_user_id_cell() -> None:
    path = FIXTURES / "missing_user_id_cell.csv"
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column, e.value.value) == (3, "user_id", None)
    assert e.value.expected == "a non-empty user_id"
    assert f'{path}, row 3, column "user_id": missing id (an empty cell).' in str(e.value)


def test_missing_user_id_cell_dropped() -> None:
    dataset, report = load_dataset(FIXTURES / "missing_user_id_cell.csv", on_invalid="drop")
    assert report.dropped == {"missing user_id": 1}
    assert report.rows_kept == 3
    assert dataset.users.ids == ("u1", "u2")
    assert dataset.items.ids == ("1", "2")  # item 3 was only on the dropped row


def test_rating_without_value() -> None:
    path = FIXTURES / "rating_without_value.csv"
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column) == (3, "value")
    assert e.value.expected == "a numeric value on every rating row"
    assert "a rating event without a value" in str(e.value)


def test_rating_without_value_dropped() -> None:
    dataset, report = load_dataset(FIXTURES / "rating_without_value.csv", on_invalid="drop")
    assert report.dropped == {"rating without value": 1}
    # u1: 1 rated 5, 2 viewed (1); u2: 2 rated 2
    assert dataset.interactions.toarray().tolist() == [[5.0, 1.0], [0.0, 2.0]]


def test_rating_without_a_value_column_points_at_the_event(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id,event\nu1,a,view\nu1,b,rating\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column, e.value.value) == (2, "event", "rating")


def test_non_positive_rating(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id,event,value\nu1,a,rating,3\nu1,b,rating,0\nu2,a,rating,-1\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(path)
    assert (e.value.row, e.value.column, e.value.value) == (2, "value", "0")
    assert e.value.more_rows == (3,)
    assert e.value.expected == "a positive rating"
    dataset, report = load_dataset(path, on_invalid="drop")
    assert report.dropped == {"non-positive rating": 2}
    assert len(dataset.events) == 1


def test_missing_event_is_filled_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id,event\nu1,a,VIEW\nu1,b, Purchase\nu1,c,\n")
    dataset, report = load_dataset(path)
    assert report.filled == {"event missing, counted as a plain interaction (weight 1)": 1}
    assert report.dropped == {}
    assert not report.is_clean
    # event names are case-insensitive: VIEW weighs 1, Purchase 5, the empty one the default 1
    assert dataset.events.event_names == ("interaction", "purchase", "view")
    assert dataset.interactions.toarray().tolist() == [[1.0, 5.0, 1.0]]


def test_each_bad_row_is_counted_once(tmp_path: Path) -> None:
    # row 2 lacks a user and has a bad time: it is dropped for the first reason only
    path = write(tmp_path, "e.csv", "user_id,item_id,timestamp\nu1,a,1714557600\n,b,never\nu2,a,noon\n")
    _, report = load_dataset(path, on_invalid="drop")
    assert report.dropped == {"missing user_id": 1, "unreadable timestamp": 1}
    assert (report.rows_read, report.rows_kept) == (3, 1)


def test_nothing_left_after_dropping(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id,timestamp\nu1,a,x\nu1,b,y\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(path, on_invalid="drop")
    assert e.value.path == str(path)
    assert e.value.row is None
    assert "no valid rows are left after cleaning" in str(e.value)
    assert "dropped 2 rows: unreadable timestamp" in str(e.value)


# ---- duplicate ids in the catalog and the user table ----------------------------------------------------


def test_duplicate_catalog_ids() -> None:
    catalog = FIXTURES / "dup_catalog_ids.csv"
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "events_ok.csv", catalog=catalog)
    assert e.value.path == str(catalog)
    assert (e.value.row, e.value.column, e.value.value) == (4, "item_id", "3")
    assert e.value.expected == "each id once"
    assert f'{catalog}, row 4, column "item_id": duplicate id \'3\' (first seen on row 2).' in str(e.value)


def test_catalog_ids_that_differ_only_by_spaces_are_duplicates(tmp_path: Path) -> None:
    catalog = write(tmp_path, "catalog.csv", 'item_id,title\n2,a\n3,b\n"3 ",c\n10,d\n')
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "events_ok.csv", catalog=catalog)
    assert (e.value.row, e.value.column, e.value.value) == (3, "item_id", "3")


def test_catalog_missing_id_cell(tmp_path: Path) -> None:
    catalog = write(tmp_path, "catalog.csv", "item_id,title\n2,a\n,b\n3,c\n10,d\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "events_ok.csv", catalog=catalog)
    assert (e.value.path, e.value.row, e.value.column) == (str(catalog), 2, "item_id")
    assert e.value.expected == "a non-empty item_id on every row"


def test_catalog_without_item_id_column(tmp_path: Path) -> None:
    catalog = write(tmp_path, "catalog.csv", "sku,title,brand\n2,a,x\n")
    with pytest.raises(SchemaError) as e:
        load_dataset(FIXTURES / "events_ok.csv", catalog=catalog)
    assert (e.value.path, e.value.missing, e.value.found) == (str(catalog), ("item_id",), ("sku", "title", "brand"))
    assert "A catalog needs an item_id column." in str(e.value)


def test_empty_catalog_file() -> None:
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "events_ok.csv", catalog=FIXTURES / "empty.csv")
    assert e.value.path == str(FIXTURES / "empty.csv")


def test_duplicate_user_ids(tmp_path: Path) -> None:
    users = write(tmp_path, "users.csv", "user_id,age\nu1,30\nu2,40\nu1,50\n")
    with pytest.raises(DataFileError) as e:
        load_dataset(FIXTURES / "events_ok.csv", users=users)
    assert (e.value.path, e.value.row, e.value.column, e.value.value) == (str(users), 3, "user_id", "u1")
    assert "(first seen on row 1)" in str(e.value)


def test_user_table_without_user_id_column(tmp_path: Path) -> None:
    users = write(tmp_path, "users.csv", "uid,age\nu1,30\n")
    with pytest.raises(SchemaError) as e:
        load_dataset(FIXTURES / "events_ok.csv", users=users)
    assert (e.value.path, e.value.missing, e.value.found) == (str(users), ("user_id",), ("uid", "age"))


# ---- interactions with items missing from the catalog ----------------------------------------------------


def test_unknown_items_kept_with_a_warning() -> None:
    # items 99 (rows 2 and 5) and 98 (row 4) are not in catalog_ok.csv
    with pytest.warns(DataWarning, match=r"3 interactions name 2 items that are not in the catalog") as record:
        dataset, report = load_dataset(FIXTURES / "unknown_items.csv", catalog=FIXTURES / "catalog_ok.csv")
    assert "unknown_items='drop'" in str(record[0].message)
    assert "'99', '98'" in str(record[0].message)
    assert (report.rows_read, report.rows_kept) == (6, 6)
    assert report.dropped == {}
    assert report.notes == ["3 interactions with 2 items that are not in the catalog (kept)"]
    assert len(dataset.events) == 6
    assert "98" in dataset.items and "99" in dataset.items
    assert dataset.n_items == 8  # six catalog items plus the two unknown ones


def test_unknown_items_dropped() -> None:
    with pytest.warns(DataWarning, match="They were dropped"):
        dataset, report = load_dataset(FIXTURES / "unknown_items.csv", catalog=FIXTURES / "catalog_ok.csv",
                                       unknown_items="drop")
    assert report.dropped == {"item not in the catalog": 3}
    assert (report.rows_read, report.rows_kept) == (6, 3)
    assert len(dataset.events) == 3
    assert "99" not in dataset.items and "98" not in dataset.items
    assert dataset.items.ids == ("2", "3", "10", "11", "12", "13")


def test_unknown_items_error() -> None:
    path = FIXTURES / "unknown_items.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "error" raises; it does not warn first
        with pytest.raises(DataFileError) as e:
            load_dataset(path, catalog=FIXTURES / "catalog_ok.csv", unknown_items="error")
    assert e.value.path == str(path)
    assert (e.value.row, e.value.column, e.value.value) == (2, "item_id", "99")
    assert e.value.expected == "an item_id listed in the catalog"
    assert "item '99' is not in the catalog (3 rows, 2 items like this)" in str(e.value)


def test_no_warning_when_every_item_is_in_the_catalog() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        _, report = load_dataset(FIXTURES / "events_ok.csv", catalog=FIXTURES / "catalog_ok.csv")
    assert report.dropped == {}


# ---- exact duplicates -----------------------------------------------------------------------------------


def test_exact_duplicates_dropped_and_reported() -> None:
    dataset, report = load_dataset(FIXTURES / "duplicates.csv")
    # rows 2 and 5 repeat row 1; row 6 differs from row 4 by its time, so it stays
    assert report.dropped == {DUPLICATE_REASON: 2}
    assert (report.rows_read, report.rows_kept) == (6, 4)
    assert len(dataset.events) == 4
    # u1: item 1 viewed once (1), item 2 clicked (2); u2: item 1 viewed twice (1 + 1)
    assert dataset.interactions.toarray().tolist() == [[1.0, 2.0], [2.0, 0.0]]
    assert f"dropped 2 rows: {DUPLICATE_REASON}" in report.lines()


def test_same_item_with_another_event_is_not_a_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id,timestamp,event\nu1,1,5,view\nu1,1,5,click\nu1,1,5,view\n")
    _, report = load_dataset(path)
    assert report.dropped == {DUPLICATE_REASON: 1}
    assert report.rows_kept == 2


# ---- event weights ---------------------------------------------------------------------------------------


def test_default_event_weights() -> None:
    weights = EventWeights()
    assert [weights.weight_of(e) for e in ("view", "click", "cart", "purchase")] == [1.0, 2.0, 3.0, 5.0]
    assert weights.weight_of("wishlist") == 1.0  # any other name weighs `default`


def test_rating_weighs_its_value_and_events_their_weight(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv",
                 "user_id,item_id,event,value\nu1,a,view,\nu1,b,click,\nu1,c,cart,\nu1,d,purchase,3\nu1,e,rating,4.5\n")
    dataset, _ = load_dataset(path)
    # a purchase's value is a quantity, not a weight
    assert dataset.interactions.toarray().tolist() == [[1.0, 2.0, 3.0, 5.0, 4.5]]


def test_custom_event_weights() -> None:
    weights = EventWeights(view=0.5, purchase=10, extra={"wishlist": 2.5})
    dataset, report = load_dataset(FIXTURES / "events_ok.csv", weights=weights)
    # items 2, 3, 10: u1 purchase / rating 3 / view + click; u2 view / rating 4 + wishlist / cart;
    # u3 view + click / purchase / rating 5
    assert dataset.interactions.toarray().tolist() == [[10.0, 3.0, 2.5], [0.5, 6.5, 3.0], [2.5, 10.0, 5.0]]
    assert report.notes == ["event names without a built-in weight: wishlist (weights: wishlist=2.5)"]


def test_custom_event_name_is_noted_in_the_report() -> None:
    _, report = load_dataset(FIXTURES / "events_ok.csv")
    assert report.is_clean
    assert report.notes == ["event names without a built-in weight: wishlist (weights: wishlist=1)"]


def test_event_weights_are_validated() -> None:
    with pytest.raises(ValidationError):
        EventWeights(view=0)
    with pytest.raises(ValidationError):
        EventWeights(extra={"wishlist": -1})
    with pytest.raises(ValidationError):
        EventWeights(veiw=2)  # type: ignore[call-arg]
    weights = EventWeights()
    with pytest.raises(ValidationError):
        weights.view = 3  # type: ignore[misc]


# ---- clean_interactions and the CleaningReport ---------------------------------------------------------------


def test_clean_interactions_types_the_columns() -> None:
    table = pd.DataFrame({"user_id": [" u1", "u2"], "item_id": ["a", "b "],
                          "timestamp": ["1714557600", "2024-05-01T10:00:01Z"],
                          "event": ["rating", "Cart"], "value": ["4", None]}, dtype="string")
    frame, report = clean_interactions(table, "e.csv", weights=EventWeights())
    assert [str(u) for u in frame["user_id"]] == ["u1", "u2"]
    assert [str(i) for i in frame["item_id"]] == ["a", "b"]
    assert frame["timestamp"].tolist() == [1714557600, 1714557601]
    assert [str(e) for e in frame["event"]] == ["rating", "cart"]
    assert frame["value"].iloc[0] == 4.0 and np.isnan(frame["value"].iloc[1])
    assert frame["weight"].tolist() == [4.0, 3.0]
    assert (report.rows_read, report.rows_kept, report.is_clean) == (2, 2, True)


def test_without_timestamps_file_order_is_time_order(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user_id,item_id\nu1,b\nu1,a\nu1,c\n")
    dataset, report = load_dataset(path)
    assert report.notes == ["no timestamp column: file order is used as time order"]
    assert dataset.events.has_timestamps is False
    assert dataset.items.ids_of(dataset.sequence(0)) == ["b", "a", "c"]
    assert dataset.history("u1").timestamps is None


def test_cleaning_report_summary() -> None:
    report = CleaningReport(rows_read=1200, rows_kept=1100)
    assert report.is_clean
    report.drop("unreadable timestamp", 60)
    report.drop("unreadable timestamp", 40)
    report.drop("nothing", 0)
    report.fill("event missing", 5)
    report.notes.append("a note")
    assert not report.is_clean
    assert report.dropped == {"unreadable timestamp": 100}
    assert report.lines() == ["1,200 rows read, 1,100 kept", "dropped 100 rows: unreadable timestamp",
                              "filled 5 cells: event missing", "a note"]
    assert report.to_dict() == {"rows_read": 1200, "rows_kept": 1100, "dropped": {"unreadable timestamp": 100},
                                "filled": {"event missing": 5}, "notes": ["a note"]}

