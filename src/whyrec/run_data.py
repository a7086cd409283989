"""The data a run directory carries: its events with the split, its catalog and its users, as Parquet.

A run that holds these files never reads its source data again, so it can be moved, copied to another
machine and served from any directory. Layout (row ``i`` of a table is index ``i`` of its id map)::

    data/events.parquet  user int32, item int32, timestamp int64 (epoch s), event dictionary<string>,
                         value float32 (NaN = none), weight float32, part int8 (0 train, 1 valid, 2 test);
                         sorted by user, time, item (the dataset's event order)
    data/items.parquet   item_id, title, _text (what text models read), then one column per attribute:
                         categorical ones list<string>, numeric ones float32
    data/users.parquet   user_id, then one column per user attribute (same types)

:class:`StoredData` (``meta.json`` ``stored``) records each file's SHA-256, so the run's content hash
(``meta.json`` + ``arrays.npz``) covers them; they are checked on every load.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from whyrec.data.catalog import AttributeTable, Catalog
from whyrec.data.dataset import Dataset, EventLog, content_fingerprint
from whyrec.data.idmap import IdMap
from whyrec.errors import ConfigError
from whyrec.evaluate.splits import Split

__all__ = ["EVENTS_FILE", "ITEMS_FILE", "USERS_FILE", "StoredData", "read_split", "split_fingerprint", "write_split"]

EVENTS_FILE = "data/events.parquet"
ITEMS_FILE = "data/items.parquet"
USERS_FILE = "data/users.parquet"
_TEXT = "_text"


class StoredData(BaseModel):
    """What ``meta.json`` says about the data files of a self-contained run."""

    model_config = ConfigDict(extra="forbid")

    format: int = 1
    """Version of the layout above."""
    name: str
    """The dataset's name (``ml-100k``, a file stem)."""
    has_timestamps: bool
    event_names: list[str]
    """The event kinds, in code order."""
    n_users: int
    n_items: int
    n_events: int
    item_attributes: dict[str, str]
    """Catalog column -> ``categorical`` or ``numeric``."""
    user_attributes: dict[str, str]
    split_fingerprint: str
    """SHA-256 of the per-event part column: two runs with the same one were split the same way."""
    files: dict[str, str]
    """File (relative to the run) -> SHA-256 of its bytes."""


def split_fingerprint(split: Split) -> str:
    """SHA-256 of the dataset fingerprint and the per-event parts of `split`."""
    return hashlib.sha256(split.dataset.fingerprint.encode() + np.ascontiguousarray(split.part).tobytes()).hexdigest()


def _attribute_columns(table: AttributeTable) -> tuple[dict[str, pa.Array], dict[str, str]]:
    columns: dict[str, pa.Array] = {}
    kinds: dict[str, str] = {}
    for name, values in table.categorical.items():
        columns[name] = pa.array([list(v) for v in values], pa.list_(pa.string()))
        kinds[name] = "categorical"
    for name, numbers in table.numeric.items():
        columns[name] = pa.array(np.asarray(numbers, dtype=np.float32), pa.float32())
        kinds[name] = "numeric"
    return columns, kinds


def _write(path: Path, columns: Mapping[str, pa.Array]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(dict(columns)), path, compression="zstd")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_split(directory: str | Path, split: Split) -> StoredData:
    """Write the dataset and the split of `split` into `directory` (a run being saved)."""
    directory = Path(directory)
    ds = split.dataset
    log = ds.events
    reserved = {"item_id", "title", _TEXT}
    clash = reserved.intersection(ds.catalog.attributes.names)
    if clash:
        raise ConfigError(f"catalog column {sorted(clash)[0]!r} is a name the run's items table reserves; rename it.",
                          field="catalog")
    events = {
        "user": pa.array(log.user, pa.int32()), "item": pa.array(log.item, pa.int32()),
        "timestamp": pa.array(log.timestamp, pa.int64()),
        "event": pa.DictionaryArray.from_arrays(pa.array(log.event, pa.int16()), pa.array(log.event_names,
                                                                                           pa.string())),
        "value": pa.array(log.value, pa.float32()), "weight": pa.array(log.weight, pa.float32()),
        "part": pa.array(np.asarray(split.part, dtype=np.int8), pa.int8()),
    }
    item_columns, item_kinds = _attribute_columns(ds.catalog.attributes)
    user_columns, user_kinds = _attribute_columns(ds.user_attributes)
    files = {
        EVENTS_FILE: _write(directory / EVENTS_FILE, events),
        ITEMS_FILE: _write(directory / ITEMS_FILE, {"item_id": pa.array(ds.items.ids, pa.string()),
                                                     "title": pa.array(ds.catalog.titles, pa.string()),
                                                     _TEXT: pa.array(ds.catalog.texts, pa.string()), **item_columns}),
        USERS_FILE: _write(directory / USERS_FILE, {"user_id": pa.array(ds.users.ids, pa.string()), **user_columns}),
    }
    return StoredData(name=ds.name, has_timestamps=log.has_timestamps, event_names=list(log.event_names),
                      n_users=ds.n_users, n_items=ds.n_items, n_events=len(log), item_attributes=item_kinds,
                      user_attributes=user_kinds, split_fingerprint=split_fingerprint(split), files=files)


def _read(directory: Path, name: str, stored: StoredData) -> pa.Table:
    path = directory / name
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"run {directory.name!r} is incomplete: cannot read {name} ({e.strerror or e}). Copy the "
                          "whole run directory, or retrain it.", source=str(path), field="run_dir") from None
    if hashlib.sha256(raw).hexdigest() != stored.files.get(name):
        raise ConfigError(f"run {directory.name!r}: {name} does not match the hash in meta.json (changed or "
                          "truncated). Copy the run again, or retrain it.", source=str(path), field="run_dir")
    return pq.read_table(pa.BufferReader(raw))


def _attributes(ids: IdMap, table: pa.Table, kinds: Mapping[str, str]) -> AttributeTable:
    categorical: dict[str, tuple[tuple[str, ...], ...]] = {}
    numeric: dict[str, np.ndarray] = {}
    for name, kind in kinds.items():
        column = table.column(name)
        if kind == "numeric":
            numeric[name] = column.to_numpy().astype(np.float32, copy=False)
        else:
            categorical[name] = tuple(tuple(v) for v in column.to_pylist())
    return AttributeTable(ids, categorical, numeric)


def _event_codes(column: pa.ChunkedArray, names: Sequence[str]) -> np.ndarray:
    """int16 codes into `names` of a dictionary (or plain string) column."""
    position = {name: code for code, name in enumerate(names)}
    parts = []
    for chunk in column.chunks:
        if not pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_encode()
        lookup = np.array([position[v] for v in chunk.dictionary.to_pylist()] or [0], dtype=np.int16)
        parts.append(lookup[chunk.indices.to_numpy(zero_copy_only=False)])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


def read_split(directory: str | Path, stored: StoredData, *, fingerprint: str, protocol: str) -> Split:
    """The dataset and split a run stored with :func:`write_split`, checked against its hashes.

    Raises:
        ConfigError: a file is missing, or differs from its recorded hash, or the rebuilt dataset does not have
            the run's fingerprint.
    """
    directory = Path(directory)
    events = _read(directory, EVENTS_FILE, stored)
    items_table = _read(directory, ITEMS_FILE, stored)
    users_table = _read(directory, USERS_FILE, stored)
    items = IdMap(tuple(items_table.column("item_id").to_pylist()), "item")
    users = IdMap(tuple(users_table.column("user_id").to_pylist()), "user")
    log = EventLog(
        user=events.column("user").to_numpy().astype(np.int32, copy=False),
        item=events.column("item").to_numpy().astype(np.int32, copy=False),
        timestamp=events.column("timestamp").to_numpy().astype(np.int64, copy=False),
        event=_event_codes(events.column("event"), stored.event_names), event_names=tuple(stored.event_names),
        value=events.column("value").to_numpy().astype(np.float32, copy=False),
        weight=events.column("weight").to_numpy().astype(np.float32, copy=False),
        has_timestamps=stored.has_timestamps)
    part = events.column("part").to_numpy().astype(np.int8, copy=False)
    del events
    catalog = Catalog(_attributes(items, items_table, stored.item_attributes),
                      tuple(items_table.column("title").to_pylist()), tuple(items_table.column(_TEXT).to_pylist()))
    user_attributes = _attributes(users, users_table, stored.user_attributes)
    found = content_fingerprint(users, items, log, catalog, user_attributes)
    if found != fingerprint:
        raise ConfigError(f"run {directory.name!r}: its stored data has fingerprint {found[:12]}, not the "
                          f"{fingerprint[:12]} it was trained on. Retrain the run.", source=str(directory),
                          field="run_dir")
    dataset = Dataset(stored.name, users, items, log, catalog, user_attributes, found)
    return Split(dataset, part, protocol)
