"""The ``synthetic-beauty`` preset: Beauty's shape, determinism, next-item signal, loading by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from whyrec.data import DataSource
from whyrec.data.builtin.synthetic import SyntheticData
from whyrec.data.builtin.synthetic_beauty import BeautyConfig, generate_beauty
from whyrec.evaluate.splits import LeaveLastOutSplit, split_dataset


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate_beauty(BeautyConfig(scale=0.25, seed=5))


def _codes(data: SyntheticData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ev = data.events
    return (ev["user_id"].cat.codes.to_numpy(), ev["item_id"].cat.codes.to_numpy(),
            ev["timestamp"].astype("int64").to_numpy())


def test_same_seed_gives_identical_tables_and_another_seed_does_not() -> None:
    a, b = generate_beauty(BeautyConfig(scale=0.02, seed=3)), generate_beauty(BeautyConfig(scale=0.02, seed=3))
    for name in ("events", "catalog", "users", "preferences"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.events.equals(generate_beauty(BeautyConfig(scale=0.02, seed=4)).events)


def test_shape_is_beauty_like(data: SyntheticData) -> None:
    user, item, _ = _codes(data)
    per_user = np.bincount(user)
    assert len(per_user) == 5_500 and len(data.catalog) == 3_000
    assert per_user.min() >= 5  # a 5-core
    assert 8.0 < per_user.mean() < 10.0  # Beauty: 8.9
    assert per_user.max() > 30  # a tail of heavy shoppers
    counts = np.sort(np.bincount(item, minlength=len(data.catalog)))[::-1]
    assert counts[: len(counts) // 100].sum() / counts.sum() > 0.05  # long tail: the top 1% is over 5%
    assert set(data.events["event"].astype(str)) == {"purchase"}


def test_histories_are_ordered_without_repeats(data: SyntheticData) -> None:
    user, item, timestamp = _codes(data)
    assert (np.diff(user) >= 0).all()
    same_user = np.diff(user) == 0
    assert (np.diff(timestamp)[same_user] > 0).all()
    assert len(np.unique(user.astype(np.int64) * len(data.catalog) + item)) == len(user)


def test_next_item_follows_the_last_one_far_more_than_popularity(data: SyntheticData) -> None:
    """Leave-last-out: the most frequent successors of each user's second-to-last item hit the last item
    (top 10) several times as often as the 10 most popular items do."""
    user, item, _ = _codes(data)
    n_items = len(data.catalog)
    last = np.r_[user[1:] != user[:-1], True]
    before_last = np.r_[last[1:], False]
    pairs = (user[1:] == user[:-1]) & ~last[1:]  # transitions inside the training part
    transitions = np.zeros((n_items, n_items), np.int32)
    np.add.at(transitions, (item[:-1][pairs], item[1:][pairs]), 1)
    popular = np.argsort(-np.bincount(item[~last], minlength=n_items))[:10]
    target, previous = item[last], item[before_last]
    rows, row_of = np.unique(previous, return_inverse=True)
    follows = np.argpartition(-transitions[rows], 10, axis=1)[:, :10]
    hit_follow = (follows[row_of] == target[:, None]).any(axis=1).mean()
    hit_popular = np.isin(target, popular).mean()
    assert hit_follow > 3 * hit_popular > 0


def test_loads_by_name_scaled_by_synthetic_events_and_splits_leave_last_out() -> None:
    dataset, _ = DataSource(source="synthetic-beauty", synthetic_events=10_000, seed=2).load()
    assert dataset.name == "synthetic-beauty"
    assert (dataset.n_users, dataset.n_items) == (1_100, 600)
    split = split_dataset(dataset, LeaveLastOutSplit())
    assert split.sizes()["test"] == split.sizes()["valid"] == dataset.n_users
