"""Splits: PROTOCOL.md's temporal per-user holdout row by row, plus the other splitters."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from whyrec.data import Dataset, build_dataset
from whyrec.errors import ConfigError
from whyrec.evaluate import (
    PROTOCOL_NAME,
    GlobalTimeSplit,
    LeaveLastOutSplit,
    RandomSplit,
    Split,
    TemporalUserSplit,
    make_splitter,
    split_dataset,
)

PART_NAMES = ("train", "valid", "test")


def events(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """An events frame as build_dataset wants it, from (user_id, item_id, timestamp) rows."""
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    frame["timestamp"] = frame["timestamp"].astype(np.int64)
    frame["event"] = "interaction"
    frame["value"] = np.nan
    frame["weight"] = np.float32(1.0)
    return frame


def parts_of(split: Split) -> dict[str, dict[str, list[str]]]:
    """user -> part name -> item ids of the part's events, in log order (user, time, item)."""
    ds = split.dataset
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: {name: [] for name in PART_NAMES})
    for user, item, part in zip(ds.events.user, ds.events.item, split.part, strict=True):
        out[ds.users.id_of(int(user))][PART_NAMES[int(part)]].append(ds.items.id_of(int(item)))
    return dict(out)


def event_parts(split: Split) -> set[tuple[str, str, int, str]]:
    """Every event as (user_id, item_id, timestamp, part name): independent of the row order."""
    ds = split.dataset
    return {(ds.users.id_of(int(u)), ds.items.id_of(int(i)), int(t), PART_NAMES[int(p)])
            for u, i, t, p in zip(ds.events.user, ds.events.item, ds.events.timestamp, split.part, strict=True)}


def one_part_per_pair(split: Split) -> bool:
    """Whether all events of each (user, item) pair sit in one part."""
    ds = split.dataset
    seen: dict[tuple[int, int], int] = {}
    for u, i, p in zip(ds.events.user, ds.events.item, split.part, strict=True):
        if seen.setdefault((int(u), int(i)), int(p)) != int(p):
            return False
    return True


def user_with(n: int, user: str) -> list[tuple[str, str, int]]:
    """`n` interactions of `user` with items 1..n at times 1..n."""
    return [(user, str(i), i) for i in range(1, n + 1)]


# n -> (train, valid, test) by PROTOCOL.md:
#   n_test = max(1, n * 20 // 100) when n >= 2; r = n - n_test;
#   n_valid = max(1, r * 10 // 100), kept only if r - n_valid >= 2.
PROTOCOL_COUNTS = {
    1: (1, 0, 0),     # fewer than 2: everything stays train
    2: (1, 0, 1),     # n_test = max(1, 0) = 1; r = 1, 1 - 1 < 2 -> no valid
    3: (2, 0, 1),     # r = 2, 2 - 1 = 1 < 2 -> no valid
    4: (2, 1, 1),     # r = 3, 3 - 1 = 2 -> one valid
    5: (3, 1, 1),     # n_test = max(1, 1) = 1; r = 4
    9: (7, 1, 1),     # n_test = 9 * 20 // 100 = 1; r = 8, n_valid = max(1, 0) = 1
    10: (7, 1, 2),    # n_test = 2; r = 8
    15: (11, 1, 3),   # n_test = 3; r = 12, n_valid = 12 * 10 // 100 = 1
    24: (18, 2, 4),   # n_test = 480 // 100 = 4; r = 20, n_valid = 200 // 100 = 2
    25: (18, 2, 5),   # n_test = 5; r = 20, n_valid = 2
    31: (23, 2, 6),   # n_test = 620 // 100 = 6; r = 25, n_valid = 250 // 100 = 2
}


@pytest.fixture(scope="module")
def protocol_split() -> Split:
    rows = [row for n in PROTOCOL_COUNTS for row in user_with(n, f"n{n}")]
    return split_dataset(build_dataset(events(rows), name="counts"))


@pytest.mark.parametrize("n", sorted(PROTOCOL_COUNTS))
def test_temporal_split_part_sizes_follow_the_protocol(protocol_split: Split, n: int) -> None:
    parts = parts_of(protocol_split)[f"n{n}"]
    assert tuple(len(parts[name]) for name in PART_NAMES) == PROTOCOL_COUNTS[n]


@pytest.mark.parametrize("n", sorted(PROTOCOL_COUNTS))
def test_temporal_split_takes_the_last_interactions_for_test_then_valid(protocol_split: Split, n: int) -> None:
    # Items are numbered by time, so the parts are consecutive runs: train, then valid, then test.
    parts = parts_of(protocol_split)[f"n{n}"]
    n_train, n_valid, _ = PROTOCOL_COUNTS[n]
    assert parts["train"] == [str(i) for i in range(1, n_train + 1)]
    assert parts["valid"] == [str(i) for i in range(n_train + 1, n_train + n_valid + 1)]
    assert parts["test"] == [str(i) for i in range(n_train + n_valid + 1, n + 1)]


def test_default_split_names_the_protocol(protocol_split: Split) -> None:
    assert protocol_split.protocol == PROTOCOL_NAME == "temporal-user-holdout/v1"
    assert TemporalUserSplit(test_percent=30).protocol != PROTOCOL_NAME


def test_parts_partition_the_events_and_fit_is_train_plus_valid(protocol_split: Split) -> None:
    total = len(protocol_split.dataset.events)
    sizes = [len(protocol_split.train.events), len(protocol_split.validation.events), len(protocol_split.test.events)]
    expected = [sum(c[i] for c in PROTOCOL_COUNTS.values()) for i in range(3)]
    assert sizes == expected
    assert sum(sizes) == total
    assert len(protocol_split.fit.events) == sizes[0] + sizes[1]
    assert protocol_split.sizes() == dict(zip(PART_NAMES, expected, strict=True))
    # The parts keep the whole dataset's id maps (one index space for every model of a split).
    assert protocol_split.test.items is protocol_split.dataset.items


def test_time_orders_before_item_id() -> None:
    # Item "1" is the latest although it has the smallest id.
    rows = [("u", "1", 50), ("u", "2", 10), ("u", "3", 20), ("u", "4", 30)]
    parts = parts_of(split_dataset(build_dataset(events(rows), name="time")))["u"]
    assert parts == {"train": ["2", "3"], "valid": ["4"], "test": ["1"]}


def test_ties_in_time_break_by_numeric_item_id_when_all_ids_are_integers() -> None:
    # Five events at one time: numeric order 2, 9, 10, 30, 100 ("10" after "9"; lexicographic would end on "9").
    rows = [("u", item, 7) for item in ("10", "9", "100", "2", "30")] + [("v", "1", 1), ("v", "2", 2)]
    parts = parts_of(split_dataset(build_dataset(events(rows), name="ties")))["u"]
    assert parts == {"train": ["2", "9", "10"], "valid": ["30"], "test": ["100"]}


def test_ties_in_time_break_lexicographically_when_some_id_is_not_an_integer() -> None:
    # Lexicographic: x10 < x100 < x2 < x9 (a "natural" sort would end on x100).
    rows = [("u", item, 7) for item in ("x2", "x100", "x9", "x10")]
    parts = parts_of(split_dataset(build_dataset(events(rows), name="lex")))["u"]
    assert parts == {"train": ["x10", "x100"], "valid": ["x2"], "test": ["x9"]}


def test_one_non_integer_id_anywhere_makes_every_tie_lexicographic() -> None:
    # "x" belongs to another user, yet it makes "10" sort before "9" for user u.
    rows = [("u", "5", 1), ("u", "9", 5), ("u", "10", 5), ("w", "x", 1)]
    parts = parts_of(split_dataset(build_dataset(events(rows), name="mixed")))["u"]
    assert parts == {"train": ["5", "10"], "valid": [], "test": ["9"]}


def test_repeated_pairs_collapse_to_their_earliest_event_and_follow_it() -> None:
    rows = [
        # u: A, B, C, D by first occurrence; B is seen again last. 4 pairs -> train A B, valid C, test D.
        # Counting the 5 raw events would make the repeated B the test item.
        ("u", "1", 1), ("u", "2", 2), ("u", "3", 3), ("u", "4", 4), ("u", "2", 10),
        # w: 2 distinct pairs in 4 events -> train 1 (all three events), test 2, no valid.
        ("w", "1", 1), ("w", "1", 2), ("w", "1", 3), ("w", "2", 4),
        # z: a pair repeated after the test item would otherwise be test.
        ("z", "1", 1), ("z", "2", 2), ("z", "3", 3), ("z", "1", 9), ("z", "1", 9),
    ]
    split = split_dataset(build_dataset(events(rows), name="repeats"))
    parts = parts_of(split)
    assert parts["u"] == {"train": ["1", "2", "2"], "valid": ["3"], "test": ["4"]}
    assert parts["w"] == {"train": ["1", "1", "1"], "valid": [], "test": ["2"]}
    assert parts["z"] == {"train": ["1", "2", "1", "1"], "valid": [], "test": ["3"]}
    for user in parts.values():  # a test item is never among the user's fit items
        assert not set(user["test"]) & (set(user["train"]) | set(user["valid"]))
    assert one_part_per_pair(split)
    assert split.sizes() == {"train": 2 + 1 + 2, "valid": 1, "test": 3}
    assert ("u", "2", 10, "train") in event_parts(split)


def test_temporal_split_is_deterministic_and_ignores_row_order() -> None:
    rng = np.random.default_rng(3)
    rows = [(f"u{u}", str(int(i)), int(t)) for u in range(30)
            for i, t in zip(rng.integers(0, 40, 12), rng.integers(0, 5, 12), strict=True)]
    frame = events(rows)
    first = split_dataset(build_dataset(frame, name="d"))
    again = split_dataset(build_dataset(frame, name="d"))
    shuffled = split_dataset(build_dataset(frame.sample(frac=1.0, random_state=1).reset_index(drop=True),
                                           name="d"))
    assert np.array_equal(first.part, again.part)
    assert event_parts(first) == event_parts(shuffled)
    assert one_part_per_pair(first)


# ---- ml-100k ------------------------------------------------------------------------------------------


def test_ml100k_matches_the_protocol_check_numbers(ml100k: Dataset, ml100k_split: Split) -> None:
    assert (len(ml100k.events), ml100k.n_users, ml100k.n_items) == (100_000, 943, 1_682)
    split = ml100k_split
    assert (len(split.train.events), len(split.validation.events), len(split.test.events)) == (72_755, 7_612,
                                                                                                19_633)
    assert split.sizes() == {"train": 72_755, "valid": 7_612, "test": 19_633}
    for part in (split.train, split.validation, split.test):
        assert len(part.active_users) == 943  # every user has train, valid and test items
    assert len(split.fit.active_items) == 1_612
    assert split.protocol == PROTOCOL_NAME


# ---- other splitters ----------------------------------------------------------------------------------


def test_leave_last_out_holds_out_the_last_item_and_the_one_before_it() -> None:
    rows = user_with(1, "n1") + user_with(2, "n2") + user_with(3, "n3") + user_with(5, "n5")
    rows += [("n5", "2", 99)]  # a repeat of an early pair stays with its first event
    split = split_dataset(build_dataset(events(rows), name="llo"), LeaveLastOutSplit())
    parts = parts_of(split)
    assert parts["n1"] == {"train": ["1"], "valid": [], "test": []}
    assert parts["n2"] == {"train": ["1"], "valid": [], "test": ["2"]}
    assert parts["n3"] == {"train": ["1"], "valid": ["2"], "test": ["3"]}
    assert parts["n5"] == {"train": ["1", "2", "3", "2"], "valid": ["4"], "test": ["5"]}
    assert split.protocol == "leave-last-one-out"
    assert one_part_per_pair(split)


def test_global_time_split_cuts_everybody_at_one_time() -> None:
    # 10 distinct pairs at times 1..10 spread over three users; 20% test = the 2 latest, 10% valid = the one before.
    rows = [("a", "1", 1), ("b", "1", 2), ("c", "1", 3), ("a", "2", 4), ("b", "2", 5),
            ("c", "2", 6), ("a", "3", 7), ("b", "3", 8), ("c", "3", 9), ("a", "4", 10),
            ("b", "1", 11)]  # a repeat placed with its first event (time 2)
    split = split_dataset(build_dataset(events(rows), name="global"), GlobalTimeSplit())
    by_event = event_parts(split)
    assert {(u, i, t) for u, i, t, p in by_event if p == "test"} == {("c", "3", 9), ("a", "4", 10)}
    assert {(u, i, t) for u, i, t, p in by_event if p == "valid"} == {("b", "3", 8)}
    assert ("b", "1", 11, "train") in by_event
    assert split.sizes() == {"train": 7, "valid": 1, "test": 2}
    assert split.protocol == "global-time(test=0.2,valid=0.1)"
    assert one_part_per_pair(split)


def test_global_time_split_breaks_time_ties_by_item() -> None:
    # Five pairs at one time; 20% test = 1 pair: the one with the largest item id (numeric order).
    rows = [("a", "10", 5), ("b", "9", 5), ("c", "2", 5), ("a", "1", 5), ("b", "3", 5)]
    split = split_dataset(build_dataset(events(rows), name="g"), GlobalTimeSplit(valid_percent=0))
    assert {(u, i) for u, i, _, p in event_parts(split) if p == "test"} == {("a", "10")}


@pytest.fixture(scope="module")
def random_dataset() -> Dataset:
    rng = np.random.default_rng(11)
    rows = []
    for u in range(40):
        n = 1 if u == 0 else 20  # one user too small to hold anything out
        items = rng.choice(200, size=n, replace=False)
        rows += [(f"u{u}", str(int(i)), int(rng.integers(0, 1000))) for i in items]
        rows += [(f"u{u}", str(int(items[0])), 5000)]  # a repeated pair
    return build_dataset(events(rows), name="random")


def test_random_split_is_reproducible_by_seed(random_dataset: Dataset) -> None:
    a = split_dataset(random_dataset, RandomSplit(seed=1))
    b = split_dataset(random_dataset, RandomSplit(seed=1))
    c = split_dataset(random_dataset, RandomSplit(seed=2))
    assert np.array_equal(a.part, b.part)
    assert not np.array_equal(a.part, c.part)
    assert a.protocol == "random(test=0.2,valid=0.1,seed=1)"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_split_sizes_per_user_and_one_part_per_pair(random_dataset: Dataset, seed: int) -> None:
    split = split_dataset(random_dataset, RandomSplit(seed=seed))
    assert one_part_per_pair(split)
    parts = parts_of(split)
    # u0 has one item (seen twice): everything stays train.
    assert (len(parts["u0"]["train"]), len(set(parts["u0"]["train"])), parts["u0"]["valid"], parts["u0"]["test"]) \
        == (2, 1, [], [])
    for user, p in parts.items():
        if user == "u0":
            continue
        # 20 distinct items: test = floor(20 * 0.2) = 4; rest 16 -> valid = floor(16 * 0.1) = 1; train 15.
        assert (len(set(p["train"])), len(set(p["valid"])), len(set(p["test"]))) == (15, 1, 4)
    assert split.sizes() == {"train": 1 + 39 * 15, "valid": 39, "test": 39 * 4}


def test_make_splitter_builds_by_name_and_rejects_unknown_names() -> None:
    assert make_splitter("temporal-user") == TemporalUserSplit()
    assert make_splitter("random", seed=4) == RandomSplit(seed=4)
    with pytest.raises(ConfigError) as e:
        make_splitter("by-magic")
    assert (e.value.field, set(e.value.allowed)) == ("split", {"temporal-user", "leave-last-out", "global-time",
                                                               "random"})
