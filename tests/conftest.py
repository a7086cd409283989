"""Shared data fixtures: real ml-100k, a tiny hand-made block dataset, and their splits.

Session-scoped fixtures are checked after the session for mutation (LensKit's ml_ds idea).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from whyrec import load_dataset
from whyrec.data import Dataset, build_dataset
from whyrec.evaluate import Split, split_dataset


def _snapshot(dataset: Dataset) -> tuple[np.ndarray, ...]:
    ev = dataset.events
    return ev.user.copy(), ev.item.copy(), ev.weight.copy(), ev.timestamp.copy()


@pytest.fixture(scope="session")
def ml100k() -> Dataset:
    """MovieLens-100K from the recbole wheel (fetched once into the user cache)."""
    dataset, _ = load_dataset("ml-100k")
    before = _snapshot(dataset)
    yield dataset
    after = _snapshot(dataset)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True)), "a test mutated ml100k"


@pytest.fixture(scope="session")
def ml100k_split(ml100k: Dataset) -> Split:
    """ml-100k under PROTOCOL.md."""
    return split_dataset(ml100k)


def block_events(n_users: int = 40, n_items: int = 20, per_user: int = 6, seed: int = 0) -> pd.DataFrame:
    """Two taste groups: even users interact with items 0..9, odd users with items 10..19.

    A model that learns anything collaborative must rank the rest of a group's items above the other
    group's items for a history drawn from one group.
    """
    rng = np.random.default_rng(seed)
    rows = []
    half = n_items // 2
    for user in range(n_users):
        base = 0 if user % 2 == 0 else half
        items = rng.choice(np.arange(base, base + half), size=per_user, replace=False)
        for t, item in enumerate(items):
            rows.append((f"u{user}", str(item), 1_700_000_000 + 60 * (user * per_user + t)))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    frame["event"] = "interaction"
    frame["value"] = np.nan
    frame["weight"] = np.float32(1.0)
    return frame


@pytest.fixture(scope="session")
def blocks() -> Dataset:
    """40 users x 20 items in two taste groups (see block_events)."""
    return build_dataset(block_events(), name="blocks")
