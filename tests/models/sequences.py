"""A toy sequential dataset shared by the sequence-model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from whyrec.data import Dataset, build_dataset


def cycles(n_users: int = 40, n_items: int = 12, per_user: int = 8) -> Dataset:
    """Every user walks the item cycle 0 -> 1 -> ... -> 11 -> 0 from a random start."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(n_users):
        start = int(rng.integers(n_items))
        for t in range(per_user):
            rows.append((f"u{user}", str((start + t) % n_items), 1_700_000_000 + 60 * (user * per_user + t)))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    frame["event"], frame["value"], frame["weight"] = "interaction", np.nan, np.float32(1.0)
    return build_dataset(frame, name="cycles")
