"""The Dataset built from files: id maps, the CSR matrix, sequences, attributes, texts and immutability.

Expected values are worked out by hand from tests/fixtures/events_ok.csv:

    user  item  time (UTC)  event     value  weight
    u1    10    10:00:00    view             1
    u1    10    10:01:00    click            2
    u1    2     10:02:00    purchase  1      5
    u1    3     10:10:00    rating    3      3
    u2    2     10:00:00    view             1      (same second as cart on 10: item 2 < item 10)
    u2    10    10:00:00    cart             3
    u2    3     10:05:00    rating    4      4
    u2    3     10:06:40    wishlist         1      (a user-defined name: default weight)
    u3    2     09:00:00    view             1
    u3    10    10:01:40    rating    5      5
    u3    3     10:03:20    purchase  2      5
    u3    2     10:05:00    click            2
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from whyrec.data import Dataset, EventWeights, load_dataset
from whyrec.errors import UnknownIdError

FIXTURES = Path(__file__).parents[1] / "fixtures"
T0 = 1714557600  # 2024-05-01T10:00:00Z

MATRIX = [[5.0, 3.0, 3.0],  # items in index order: "2", "3", "10"
          [1.0, 5.0, 3.0],
          [3.0, 5.0, 5.0]]
SEQUENCES = {"u1": ["10", "10", "2", "3"], "u2": ["2", "10", "3", "3"], "u3": ["2", "10", "3", "2"]}
TIMES = {"u1": [T0, T0 + 60, T0 + 120, T0 + 600], "u2": [T0, T0, T0 + 300, T0 + 400],
         "u3": [T0 - 3600, T0 + 100, T0 + 200, T0 + 300]}
WEIGHTS = {"u1": [1.0, 2.0, 5.0, 3.0], "u2": [1.0, 3.0, 4.0, 1.0], "u3": [1.0, 5.0, 5.0, 2.0]}


@pytest.fixture(scope="module")
def events_ok() -> Dataset:
    dataset, _ = load_dataset(FIXTURES / "events_ok.csv")
    return dataset


@pytest.fixture(scope="module")
def full() -> Dataset:
    """events_ok with catalog_ok and users_ok."""
    dataset, _ = load_dataset(FIXTURES / "events_ok.csv", catalog=FIXTURES / "catalog_ok.csv",
                              users=FIXTURES / "users_ok.csv")
    return dataset


# ---- one content, three formats --------------------------------------------------------------------------


def test_csv_parquet_and_jsonl_give_the_same_dataset(events_ok: Dataset) -> None:
    parquet, _ = load_dataset(FIXTURES / "events_ok.parquet")
    jsonl, _ = load_dataset(FIXTURES / "events_ok.jsonl")
    assert parquet.fingerprint == events_ok.fingerprint
    assert jsonl.fingerprint == events_ok.fingerprint
    assert parquet.items.ids == jsonl.items.ids == ("2", "3", "10")
    assert np.array_equal(parquet.interactions.toarray(), events_ok.interactions.toarray())


def test_fingerprint_follows_content(events_ok: Dataset, tmp_path: Path) -> None:
    # the same rows in another order give the same dataset
    lines = (FIXTURES / "events_ok.csv").read_text().splitlines()
    (tmp_path / "shuffled.csv").write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    shuffled, _ = load_dataset(tmp_path / "shuffled.csv")
    assert shuffled.fingerprint == events_ok.fingerprint
    # other weights give another one
    heavier, _ = load_dataset(FIXTURES / "events_ok.csv", weights=EventWeights(purchase=6))
    assert heavier.fingerprint != events_ok.fingerprint
    assert len(events_ok.fingerprint) == 64


def test_datetime_parquet_matches_epoch_csv(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text(f"user_id,item_id,timestamp\nu1,7,{T0}\nu1,8,{T0 + 60}\nu2,7,{T0 + 5}\n")
    stamps = pd.to_datetime([T0, T0 + 60, T0 + 5], unit="s", utc=True)
    pd.DataFrame({"user_id": ["u1", "u1", "u2"], "item_id": [7, 8, 7], "timestamp": stamps}).to_parquet(
        tmp_path / "e.parquet")
    csv, _ = load_dataset(tmp_path / "e.csv")
    parquet, _ = load_dataset(tmp_path / "e.parquet")
    assert parquet.fingerprint == csv.fingerprint


# ---- ids -----------------------------------------------------------------------------------------------


def test_id_maps_round_trip(events_ok: Dataset) -> None:
    assert events_ok.users.ids == ("u1", "u2", "u3")
    assert events_ok.items.ids == ("2", "3", "10")  # all integers: numeric order, not "10" < "2"
    assert (events_ok.n_users, events_ok.n_items) == (3, 3)
    for kind in (events_ok.users, events_ok.items):
        for index, external in enumerate(kind.ids):
            assert kind.index_of(external) == index
            assert kind.id_of(index) == external
    assert events_ok.items.indices_of(["10", "2"]).tolist() == [2, 0]
    assert all(isinstance(i, str) for i in events_ok.items.ids + events_ok.users.ids)


def test_catalog_items_without_events_get_indices(full: Dataset) -> None:
    assert full.items.ids == ("2", "3", "10", "11", "12", "13")
    assert full.n_items == 6
    assert full.interactions.shape == (3, 6)
    assert full.active_items.tolist() == [0, 1, 2]
    assert full.item_user_counts.tolist() == [3, 3, 3, 0, 0, 0]


# ---- the user x item matrix -------------------------------------------------------------------------------


def test_csr_holds_summed_weights(events_ok: Dataset) -> None:
    m = events_ok.interactions
    assert m.format == "csr"
    assert m.shape == (3, 3)
    assert m.dtype == np.float32
    assert m.nnz == 9  # 12 events on 9 distinct (user, item) pairs
    assert m.indptr.tolist() == [0, 3, 6, 9]
    assert m.toarray().tolist() == MATRIX


def test_item_user_counts_and_active_sets(events_ok: Dataset) -> None:
    assert events_ok.item_user_counts.tolist() == [3, 3, 3]
    assert events_ok.active_users.tolist() == [0, 1, 2]
    assert events_ok.user_indptr.tolist() == [0, 4, 8, 12]


# ---- per-user sequences ------------------------------------------------------------------------------------


def test_sequences_are_time_ordered(events_ok: Dataset) -> None:
    for index, user in enumerate(events_ok.users.ids):
        assert events_ok.items.ids_of(events_ok.sequence(index)) == SEQUENCES[user]
        history = events_ok.history(user)
        assert history.user_id == user
        assert events_ok.items.ids_of(history.items) == SEQUENCES[user]
        assert history.timestamps is not None
        assert history.timestamps.tolist() == TIMES[user]
        assert history.weights.tolist() == WEIGHTS[user]


def test_event_log_columns(events_ok: Dataset) -> None:
    ev = events_ok.events
    assert len(ev) == 12
    assert ev.user.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert ev.event_names == ("cart", "click", "purchase", "rating", "view", "wishlist")
    assert [ev.event_names[c] for c in ev.event[:4]] == ["view", "click", "purchase", "rating"]
    assert np.isnan(ev.value[:2]).all()
    assert ev.value[2:4].tolist() == [1.0, 3.0]
    assert ev.has_timestamps is True


def _tie_order(tmp_path: Path, first: str, second: str, earlier: str) -> list[str]:
    """The sequence of a user with `first` and `second` at the same second, after `earlier`."""
    (tmp_path / "e.csv").write_text(
        f"user_id,item_id,timestamp\nu1,{first},{T0}\nu1,{second},{T0}\nu1,{earlier},{T0 - 1}\n")
    dataset, _ = load_dataset(tmp_path / "e.csv")
    return dataset.items.ids_of(dataset.sequence(0))


def test_ties_are_broken_by_numeric_item_id(tmp_path: Path) -> None:
    assert _tie_order(tmp_path, "10", "9", "100") == ["100", "9", "10"]


def test_ties_are_broken_by_text_item_id_when_ids_are_not_all_integers(tmp_path: Path) -> None:
    assert _tie_order(tmp_path, "x9", "x10", "z0") == ["z0", "x10", "x9"]


def test_histories_batch(events_ok: Dataset) -> None:
    batch = events_ok.histories(["u3", "u1"])
    assert batch.user_ids == ("u3", "u1")
    assert batch.indptr.tolist() == [0, 4, 8]
    assert batch.matrix.toarray().tolist() == [MATRIX[2], MATRIX[0]]
    everyone = events_ok.histories()
    assert len(everyone) == 3
    assert np.array_equal(everyone.matrix.toarray(), events_ok.interactions.toarray())
    assert everyone.n_items == 3


def test_unknown_user_history(events_ok: Dataset) -> None:
    with pytest.raises(UnknownIdError) as e:
        events_ok.history("u404")
    assert (e.value.kind, e.value.ids) == ("user", ("u404",))


def test_history_from_items(events_ok: Dataset) -> None:
    history = events_ok.history_from_items(["10", "2", "10"], weights=[1.0, 5.0, 2.0])
    assert history.items.tolist() == [2, 0, 2]
    assert history.weights.tolist() == [1.0, 5.0, 2.0]
    assert history.user_id is None and history.timestamps is None
    assert events_ok.history_from_items(["3"]).weights.tolist() == [1.0]


def test_history_from_unknown_items(events_ok: Dataset) -> None:
    with pytest.raises(UnknownIdError) as e:
        events_ok.history_from_items(["2", "999", "242.0"])
    assert e.value.kind == "item"
    assert e.value.ids == ("999", "242.0")
    assert str(e.value) == "Item '999', '242.0' not in dataset events_ok (3 items)."
    assert isinstance(e.value, KeyError)


# ---- attributes and texts -----------------------------------------------------------------------------------


def test_item_attributes(full: Dataset) -> None:
    attrs = full.catalog.attributes
    assert attrs.names == ("category", "brand", "price_band", "price")
    # multi-valued cells are split on "|" and stripped; an empty cell is an empty tuple
    assert attrs.categorical["category"] == (("Action", "Comedy"), ("Drama",), ("Comedy", "Drama"), ("Action",), (),
                                             ("Drama",))
    assert attrs.categorical["brand"] == (("Acme",), ("Globex",), ("Acme",), ("Initech",), ("Initech",), ("Globex",))
    assert attrs.numeric["price"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert attrs.values("price", 2) == ("30",)
    assert attrs.of(0) == {"category": ("Action", "Comedy"), "brand": ("Acme",), "price_band": ("low",)}


def test_price_band_by_tertiles(full: Dataset) -> None:
    # prices 10..60: cuts at the 1/3 and 2/3 quantiles (26.67 and 43.33)
    assert full.catalog.attributes.categorical["price_band"] == (("low",), ("low",), ("mid",), ("mid",), ("high",),
                                                                ("high",))


def test_titles_and_texts(full: Dataset) -> None:
    catalog = full.catalog
    assert catalog.titles == ("Rocket Skates", "Quiet Lamp", "Laugh Box", "Red Stapler", "12", "Night Desk")
    assert catalog.label(2) == "Laugh Box"
    assert catalog.texts[0] == "Rocket Skates. category: Action, Comedy. brand: Acme. price_band: low. " \
                               "Fast skates for roadrunners"
    assert catalog.texts[2] == "Laugh Box. category: Comedy, Drama. brand: Acme. price_band: mid. Press it, it laughs"
    assert catalog.texts[3] == "Red Stapler. category: Action. brand: Initech. price_band: mid"
    assert catalog.texts[4] == "12. brand: Initech. price_band: high"  # no title: the id stands in
    assert catalog.items is full.items


def test_without_catalog_titles_are_ids(events_ok: Dataset) -> None:
    assert events_ok.catalog.titles == ("2", "3", "10")
    assert events_ok.catalog.texts == ("2", "3", "10")
    assert events_ok.catalog.attributes.names == ()


def test_user_attributes(full: Dataset, events_ok: Dataset) -> None:
    users = full.user_attributes
    assert users.ids is full.users
    assert full.users.ids == ("u1", "u2", "u3")  # u9 has no events: not a dataset user
    assert users.names == ("gender", "occupation", "age_band", "age")
    assert users.categorical["gender"] == (("F",), ("M",), ("F",))
    assert users.categorical["occupation"] == (("student",), ("engineer",), ("artist", "writer"))
    assert users.categorical["age_band"] == (("18-24",), ("56+",), ())
    age = users.numeric["age"]
    assert age[:2].tolist() == [24.0, 56.0] and np.isnan(age[2])
    assert users.values("age", 2) == ()
    assert events_ok.user_attributes.names == ()  # no user table


def test_catalog_and_users_change_the_fingerprint(events_ok: Dataset, full: Dataset) -> None:
    assert full.fingerprint != events_ok.fingerprint


# ---- summary, subsets, immutability ------------------------------------------------------------------------------


def test_summary(events_ok: Dataset) -> None:
    summary = events_ok.summary()
    assert summary["name"] == "events_ok"
    assert (summary["events"], summary["users"], summary["items"]) == (12, 3, 3)
    assert summary["user_item_pairs"] == 9
    assert summary["density"] == pytest.approx(1.0, abs=1e-6)
    assert summary["events_per_user_median"] == 4.0
    assert summary["event_kinds"] == {"cart": 1, "click": 2, "purchase": 2, "rating": 3, "view": 3, "wishlist": 1}
    assert summary["time_span"] == ["2024-05-01T09:00:00", "2024-05-01T10:10:00"]
    assert summary["fingerprint"] == events_ok.fingerprint


def test_subset_keeps_the_index_spaces(events_ok: Dataset) -> None:
    part = events_ok.subset(events_ok.events.user == 0, "u1-only")
    assert part.name == "u1-only"
    assert part.users is events_ok.users and part.items is events_ok.items
    assert part.catalog is events_ok.catalog
    assert len(part.events) == 4
    assert part.interactions.toarray().tolist() == [MATRIX[0], [0.0] * 3, [0.0] * 3]
    assert part.fingerprint != events_ok.fingerprint
    assert events_ok.interactions.toarray().tolist() == MATRIX  # the parent is untouched


def test_dataset_is_immutable(events_ok: Dataset) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        events_ok.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events_ok.fingerprint = "0" * 64  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events_ok.events.weight = np.zeros(12, np.float32)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events_ok.items.ids = ("x",)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events_ok.catalog.titles = ()  # type: ignore[misc]
    assert events_ok.name == "events_ok"
