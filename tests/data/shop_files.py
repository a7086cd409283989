"""Small generated shop files, shared by the data and CLI input tests: own column names, split folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from whyrec.data import DataSource
from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.evaluate.splits import LeaveLastOutSplit, split_dataset


def shop_events(n_events: int = 2_000, seed: int = 3) -> pd.DataFrame:
    """Synthetic shop events renamed as a shop would export them (customer, product, seq_index, rating)."""
    events = generate(SyntheticConfig(n_events=n_events, seed=seed)).events
    order = events.sort_values(["user_id", "timestamp", "item_id"], kind="stable")
    return pd.DataFrame({
        "customer": order["user_id"].to_numpy(), "product": order["item_id"].to_numpy(),
        "seq_index": order.groupby("user_id", sort=False).cumcount().to_numpy(),
        "rating": np.random.default_rng(seed).integers(1, 6, len(order)),
        "epoch_ms": pd.to_numeric(order["timestamp"]).to_numpy() * 1000,
    })


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False)
    return path


def split_folder(tmp_path: Path, suffix: str = ".csv") -> tuple[Path, pd.DataFrame]:
    """A leave-last-out split of a synthetic shop written as train/valid/test files (ids known to train)."""
    dataset, _ = DataSource(source="synthetic", synthetic_events=3_000, seed=1).load()
    parts = split_dataset(dataset, LeaveLastOutSplit())
    ev = dataset.events
    frame = pd.DataFrame({"user_id": np.asarray(dataset.users.ids)[ev.user],
                          "item_id": np.asarray(dataset.items.ids)[ev.item], "timestamp": ev.timestamp,
                          "part": parts.part})
    in_train = frame["item_id"].isin(frame.loc[frame["part"] == 0, "item_id"])
    frame = frame[in_train | (frame["part"] == 0)]
    folder = tmp_path / "split"
    folder.mkdir()
    for code, name in ((0, "train"), (1, "valid"), (2, "test")):
        write(frame.loc[frame["part"] == code].drop(columns="part"), folder / f"{name}{suffix}")
    return folder, frame
