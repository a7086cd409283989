"""External string ids <-> dense indices, and the order they are numbered in."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from whyrec.data import IdMap
from whyrec.data.idmap import sort_ids
from whyrec.errors import DataError, UnknownIdError


def test_integer_ids_sort_numerically() -> None:
    assert sort_ids(["10", "9", "100", "9"]) == ["9", "10", "100"]
    assert sort_ids(["3", "-2", "0"]) == ["-2", "0", "3"]


def test_other_ids_sort_as_text() -> None:
    assert sort_ids(["b", "a10", "a9"]) == ["a10", "a9", "b"]
    # one non-integer id makes the whole set text: "10" < "9" < "x"
    assert sort_ids(["9", "10", "x"]) == ["10", "9", "x"]
    assert sort_ids(["1.5", "10", "2"]) == ["1.5", "10", "2"]
    assert sort_ids(["1e3", "20"]) == ["1e3", "20"]  # "1e3" is a number but not an integer id


def test_long_integer_ids_sort_exactly() -> None:
    # beyond 2**53 float64 cannot tell these apart; the order must not depend on the input order
    a, b = "9007199254740992", "9007199254740993"
    assert sort_ids([b, a, "1"]) == ["1", a, b]
    assert sort_ids([a, b, "1"]) == ["1", a, b]
    assert sort_ids(["1234567890123456789012", "7"]) == ["7", "1234567890123456789012"]


@given(st.lists(st.integers(min_value=-(10**20), max_value=10**20), min_size=1, max_size=30))
def test_sort_ids_matches_integer_order(values: list[int]) -> None:
    ids = [str(v) for v in values]
    assert sort_ids(ids) == [str(v) for v in sorted(set(values))]


@given(st.lists(st.text(alphabet="abc019", min_size=1, max_size=4), min_size=1, max_size=30))
def test_sort_ids_is_a_sorted_set(ids: list[str]) -> None:
    out = sort_ids(ids)
    assert sorted(out) == sorted(set(ids))
    assert sort_ids(list(reversed(ids))) == out  # input order never matters


def test_from_ids_dedups_and_numbers_in_order() -> None:
    m = IdMap.from_ids(["10", "9", "10", "242"], "item")
    assert m.ids == ("9", "10", "242")
    assert len(m) == 3
    assert m.kind == "item"
    assert [m.index_of(i) for i in ("9", "10", "242")] == [0, 1, 2]
    assert m.id_of(2) == "242"
    assert m.ids_of(np.array([2, 0])) == ["242", "9"]


def test_lookup_of_many() -> None:
    m = IdMap.from_ids(["a", "b", "c"], "user")
    found = m.indices_of(["c", "a"])
    assert found.tolist() == [2, 0]
    assert found.dtype == np.int32
    assert m.indices_of(["b", "zz"], missing="mark").tolist() == [1, -1]


def test_contains_compares_strings_only() -> None:
    m = IdMap.from_ids(["242"])
    assert "242" in m
    assert 242 not in m
    assert "242.0" not in m


def test_unknown_ids() -> None:
    m = IdMap.from_ids(["a", "b"], "user")
    with pytest.raises(UnknownIdError) as e:
        m.indices_of(["a", "x", "y"])
    assert e.value.kind == "user"
    assert e.value.ids == ("x", "y")
    assert str(e.value) == "User 'x', 'y' not in the dataset (2 users)."
    assert isinstance(e.value, KeyError) and isinstance(e.value, DataError)
    with pytest.raises(UnknownIdError) as one:
        m.index_of("z")
    assert one.value.ids == ("z",)


def test_unknown_id_message_lists_the_first_five() -> None:
    m = IdMap.from_ids(["a"], "item")
    with pytest.raises(UnknownIdError) as e:
        m.indices_of([f"x{i}" for i in range(7)])
    assert len(e.value.ids) == 7
    assert str(e.value) == "Item 'x0', 'x1', 'x2', 'x3', 'x4' and 2 more not in the dataset (1 items)."


def test_fingerprint_bytes_follow_the_ids() -> None:
    assert IdMap.from_ids(["2", "1"]).fingerprint_bytes == b"1\x1f2"
    assert IdMap.from_ids(["1", "2"]).fingerprint_bytes == IdMap.from_ids(["2", "1"]).fingerprint_bytes
    assert IdMap.from_ids(["1", "3"]).fingerprint_bytes != IdMap.from_ids(["1", "2"]).fingerprint_bytes


def test_idmap_is_immutable() -> None:
    m = IdMap.from_ids(["a"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.ids = ("b",)  # type: ignore[misc]


def test_equal_numbers_written_differently_sort_by_their_text() -> None:
    # "0" and "00" are the same number: the tie is broken on the text, whatever the input order
    assert sort_ids(["00", "0", "1"]) == ["0", "00", "1"]
    assert sort_ids(["0", "00", "1"]) == ["0", "00", "1"]
