"""The datasets of benchmarks/accuracy.py: one split per dataset, written to files once and read back by every
system (whyrec through ``--split-dir``'s reader, the peers through pandas in their own venv).

Each folder holds ``train.csv``, ``valid.csv`` and ``test.csv`` with the columns ``user_id, item_id,
timestamp, event, value, weight``, and ``catalog.csv``, the source's item table (every built-in source has
one). ``weight`` is whyrec's weight of the event (a rating's value, 1 for a view,
5 for a purchase...); the peers sum it per (user, item) pair as whyrec does. The binary copy of ml-100k holds
the same rows with every event an ``interaction`` of weight 1, so that every system reads binary input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from whyrec.data.loading import DataSource
from whyrec.evaluate import make_splitter, split_dataset
from whyrec.evaluate.evaluator import Ranking
from whyrec.evaluate.splits import Split, load_file_split
from whyrec.models.ranking import Recommendations

SPLITS = Path(__file__).resolve().parent.parent / "runs" / "accbench" / "splits"
PARTS = ("train", "valid", "test")
#: The item table beside the parts, where the source has one (whyrec's catalog-aware models read it; the peers
#: read interactions only)
CATALOG = "catalog.csv"


@dataclass(frozen=True)
class BenchData:
    """One dataset of the benchmark: where it comes from and how it is split."""

    name: str
    source: str
    events: int | None
    split: str
    binary: bool
    note: str


DATASETS: dict[str, BenchData] = {d.name: d for d in (
    BenchData("ml-100k", "ml-100k", None, "temporal-user", False,
              "943 users, 1,682 items, 100,000 ratings; rating-weighted input (an event weighs its rating)"),
    BenchData("ml-100k-binary", "ml-100k", None, "temporal-user", True,
              "the same split files, every interaction weighing 1"),
    BenchData("synthetic-beauty", "synthetic-beauty", 100_000, "leave-last-out", False,
              "half the full preset: 11,000 shoppers, 6,000 products, ~9 purchases each (Amazon-Beauty shape)"),
    BenchData("synthetic-longtail", "synthetic-longtail", 40_000, "temporal-user", False,
              "a fifth of the full preset: 500 shoppers, 4,000 products, views/carts/purchases"),
)}


def split_dir(name: str) -> Path:
    """The folder of `name`'s split files, written on first use (:func:`write_split_files`)."""
    folder = SPLITS / name
    if not (folder / "manifest.json").exists():
        write_split_files(DATASETS[name], folder)
    return folder


def write_split_files(data: BenchData, folder: Path) -> None:
    """Split `data` with its splitter and write the three parts as CSV files into `folder`."""
    source = DataSource(source=data.source, synthetic_events=data.events)
    dataset, _ = source.load()
    parts = split_dataset(dataset, make_splitter(data.split))
    log = dataset.events
    frame = pd.DataFrame({
        "user_id": np.asarray(dataset.users.ids, dtype=object)[log.user],
        "item_id": np.asarray(dataset.items.ids, dtype=object)[log.item],
        "timestamp": log.timestamp,
        "event": np.asarray(log.event_names, dtype=object)[log.event],
        "value": log.value,
        "weight": log.weight,
    })
    if data.binary:
        frame["event"], frame["value"], frame["weight"] = "interaction", np.nan, 1.0
    # the files' reader refuses valid/test rows whose user or item train lacks (no model can rank them):
    # those rows are left out, and counted in the manifest
    in_train = parts.part == 0
    known = (np.isin(log.user, np.unique(log.user[in_train])) & np.isin(log.item, np.unique(log.item[in_train])))
    folder.mkdir(parents=True, exist_ok=True)
    dropped = {}
    for code, part in enumerate(PARTS):
        here = parts.part == code
        dropped[part] = int((here & ~known).sum())
        frame[here & known].to_csv(folder / f"{part}.csv", index=False)
    tables = source.builtin_tables()
    catalog = tables[1] if tables is not None else None
    if catalog is not None:  # the catalog as a shop exports it, beside the parts (``--catalog``)
        catalog.to_csv(folder / CATALOG, index=False)
    manifest = {"dataset": data.name, "source": data.source, "events": data.events, "split": data.split,
                "protocol": parts.protocol, "binary": data.binary, "sizes": parts.sizes(),
                "rows_left_out_unknown_to_train": dropped}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def load_split(name: str) -> Split:
    """`name`'s split read from its files exactly as ``whyrec train --split-dir DIR --catalog DIR/catalog.csv`` reads
    them (no catalog option where the folder has none)."""
    folder = split_dir(name)
    catalog = folder / CATALOG
    parts, _, _ = load_file_split(DataSource(source=str(folder), catalog=str(catalog) if catalog.exists() else None))
    return parts


def ranking_of(parts: Split, users: np.ndarray, items: np.ndarray, *, target: str = "test") -> Ranking:
    """A peer's top-K lists (user ids, (n, k) item ids, '' for an empty slot) as a whyrec :class:`Ranking`
    of `target`, so that whyrec's evaluator scores them as it scores its own models.

    Raises:
        ValueError: the lists name a user without a `target` item, miss one, or name an unknown item.
    """
    history = parts.fit if target == "test" else parts.train
    truth = parts.test if target == "test" else parts.validation
    expected = truth.active_users
    index = history.users.indices_of([str(u) for u in users])
    if len(index) != len(expected) or set(index.tolist()) != set(expected.tolist()):
        raise ValueError(f"the lists name {len(index)} users; the {target} part has {len(expected)}")
    flat = items.astype(str).ravel()
    known = flat != ""
    codes = np.full(flat.shape, -1, dtype=np.int32)
    codes[known] = history.items.indices_of(flat[known].tolist())
    codes = codes.reshape(items.shape)
    scores = np.where(codes >= 0, -np.arange(items.shape[1], dtype=np.float32)[None, :], -np.inf).astype(np.float32)
    relevant = tuple(np.unique(truth.sequence(int(u))) for u in index)
    return Ranking(tuple(history.users.ids_of(index)), Recommendations(codes, scores), relevant, history,
                   history.active_items)
