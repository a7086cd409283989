"""The immutable Dataset: id maps, the event log, the user x item matrix, sequences and attributes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from whyrec._types import FloatArray, IndexArray, Int64Array
from whyrec.data.catalog import AttributeTable, Catalog, build_attribute_table, build_catalog
from whyrec.data.history import History, HistoryBatch
from whyrec.data.idmap import IdMap
from whyrec.data.schema import EVENT, ITEM_ID, MULTI_VALUE_SEPARATOR, TIMESTAMP, USER_ID, VALUE
from whyrec.errors import UnknownIdError

__all__ = ["Dataset", "EventLog", "build_dataset", "content_fingerprint"]


@dataclass(frozen=True, eq=False)
class EventLog:
    """All events as parallel arrays, sorted by user, then time, then item order.

    Attributes:
        user: (n,) int32 user indices.
        item: (n,) int32 item indices.
        timestamp: (n,) int64 epoch seconds (file order when the data had no timestamps).
        event: (n,) int16 codes into `event_names`.
        event_names: the distinct event names.
        value: (n,) float32 rating or quantity, NaN when absent.
        weight: (n,) float32 event weight.
        has_timestamps: whether `timestamp` holds real times.
    """

    user: IndexArray
    item: IndexArray
    timestamp: Int64Array
    event: np.ndarray
    event_names: tuple[str, ...]
    value: FloatArray
    weight: FloatArray
    has_timestamps: bool = True

    def __len__(self) -> int:
        return len(self.user)

    def select(self, mask: np.ndarray) -> EventLog:
        """The events where `mask` is set (order kept)."""
        return EventLog(self.user[mask], self.item[mask], self.timestamp[mask], self.event[mask], self.event_names,
                        self.value[mask], self.weight[mask], self.has_timestamps)

    def digest(self) -> bytes:
        """Content hash of the log."""
        h = hashlib.sha256()
        for arr in (self.user, self.item, self.timestamp, self.event, self.value, self.weight):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\x1f".join(self.event_names).encode())
        return h.digest()


@dataclass(frozen=True, eq=False)
class Dataset:
    """Interactions with their items and users; immutable once built.

    Subsets made by splits share the id maps and the catalog, so every model and every split of one
    dataset live in one item-index space.

    Attributes:
        name: where the data came from (``ml-100k``, a file name) plus the subset, if any.
        users: user ids <-> indices.
        items: item ids <-> indices (every catalog item, also those without events).
        events: the event log.
        catalog: item attributes, titles and texts.
        user_attributes: user attributes (empty when no user table was given).
        fingerprint: SHA-256 of the content; recorded in every run.
    """

    name: str
    users: IdMap
    items: IdMap
    events: EventLog
    catalog: Catalog
    user_attributes: AttributeTable
    fingerprint: str

    @property
    def n_users(self) -> int:
        """Size of the user-index space."""
        return len(self.users)

    @property
    def n_items(self) -> int:
        """Size of the item-index space."""
        return len(self.items)

    @cached_property
    def interactions(self) -> sp.csr_array:
        """(n_users, n_items) float32 CSR of summed event weights."""
        m = sp.csr_array((self.events.weight, (self.events.user, self.events.item)),
                         shape=(self.n_users, self.n_items), dtype=np.float32)
        m.sum_duplicates()
        return m

    @cached_property
    def user_indptr(self) -> Int64Array:
        """(n_users + 1,) offsets of each user's events in the time-ordered event log."""
        return np.searchsorted(self.events.user, np.arange(self.n_users + 1), side="left").astype(np.int64)

    @cached_property
    def item_user_counts(self) -> Int64Array:
        """(n_items,) number of distinct users per item."""
        return np.bincount(self.interactions.indices, minlength=self.n_items).astype(np.int64)

    @cached_property
    def active_items(self) -> IndexArray:
        """Indices of items with at least one event (the recommendable catalog of a fit)."""
        return np.flatnonzero(self.item_user_counts > 0).astype(np.int32)

    @cached_property
    def active_users(self) -> IndexArray:
        """Indices of users with at least one event."""
        return np.flatnonzero(np.diff(self.user_indptr) > 0).astype(np.int32)

    def sequence(self, user_index: int) -> IndexArray:
        """Item indices of one user's events, oldest first."""
        lo, hi = self.user_indptr[user_index], self.user_indptr[user_index + 1]
        return self.events.item[lo:hi]

    def history(self, user_id: str) -> History:
        """The time-ordered history of a known user.

        Raises:
            UnknownIdError: the user is not in the dataset.
        """
        return self.histories([user_id])[0]

    def histories(self, user_ids: Sequence[str] | None = None) -> HistoryBatch:
        """Histories of `user_ids` (default: every user), as one batch."""
        indices = (np.arange(self.n_users, dtype=np.int32) if user_ids is None
                   else self.users.indices_of(list(user_ids)))
        return self.histories_of(indices)

    def histories_of(self, user_indices: IndexArray) -> HistoryBatch:
        """Histories of users by index, as one batch."""
        starts = self.user_indptr[user_indices]
        ends = self.user_indptr[user_indices + 1]
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        take = np.asarray(np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
                          if len(starts) else [], dtype=np.int64)
        ev = self.events
        return HistoryBatch(indptr, ev.item[take], ev.weight[take],
                            ev.timestamp[take] if ev.has_timestamps else None,
                            tuple(self.users.ids_of(user_indices)), self.n_items)

    def history_from_items(self, item_ids: Sequence[str], weights: Sequence[float] | None = None) -> History:
        """A new shopper's history from item ids, oldest first.

        Raises:
            UnknownIdError: an item is not in the dataset.
        """
        try:
            index = self.items.indices_of(list(item_ids))
        except UnknownIdError as e:
            raise UnknownIdError("item", e.ids, where=f"dataset {self.name}", n_known=self.n_items) from None
        return History.of_items(index, weights)

    def subset(self, mask: np.ndarray, name: str) -> Dataset:
        """The dataset restricted to the events where `mask` is set; ids, catalog and users are kept."""
        events = self.events.select(mask)
        fingerprint = hashlib.sha256(self.fingerprint.encode() + events.digest()).hexdigest()
        return Dataset(name, self.users, self.items, events, self.catalog, self.user_attributes, fingerprint)

    def summary(self) -> dict[str, object]:
        """Counts and column facts for ``whyrec data info``."""
        per_user = np.diff(self.user_indptr)
        counts = self.item_user_counts
        n_pairs = self.interactions.nnz
        event_counts = np.bincount(self.events.event, minlength=len(self.events.event_names))
        span = None
        if self.events.has_timestamps and len(self.events):
            span = [pd.Timestamp(int(self.events.timestamp.min()), unit="s").isoformat(),
                    pd.Timestamp(int(self.events.timestamp.max()), unit="s").isoformat()]
        return {
            "name": self.name,
            "events": len(self.events),
            "users": int((per_user > 0).sum()),
            "items": self.n_items,
            "items_with_events": int((counts > 0).sum()),
            "user_item_pairs": n_pairs,
            "density": n_pairs / max(1, self.n_users * self.n_items),
            "events_per_user_median": float(np.median(per_user[per_user > 0])) if (per_user > 0).any() else 0.0,
            "event_kinds": {n: int(c) for n, c in zip(self.events.event_names, event_counts, strict=True)},
            "time_span": span,
            "item_attributes": list(self.catalog.attributes.names),
            "user_attributes": list(self.user_attributes.names),
            "fingerprint": self.fingerprint,
        }


def build_dataset(
    events: pd.DataFrame,
    *,
    name: str,
    catalog: pd.DataFrame | None = None,
    users: pd.DataFrame | None = None,
    has_timestamps: bool = True,
    list_separator: str = MULTI_VALUE_SEPARATOR,
) -> Dataset:
    """Build a Dataset from cleaned tables.

    Args:
        events: output of :func:`whyrec.data.validation.clean_interactions` (``user_id``, ``item_id``,
            ``timestamp``, ``event``, ``value``, ``weight``).
        name: a short name for messages and runs.
        catalog: item table (``item_id`` + attribute columns, string cells), already validated.
        users: user table (``user_id`` + attribute columns), already validated.
        has_timestamps: whether ``timestamp`` holds real times.
        list_separator: what joins the values of a multi-valued catalog or user cell.
    """
    user_codes, user_ids = _codes(events[USER_ID])
    item_codes, event_item_ids = _codes(events[ITEM_ID])
    catalog_ids = [str(i) for i in catalog[ITEM_ID]] if catalog is not None else []
    items = IdMap.from_ids(event_item_ids + catalog_ids, "item")
    user_map = IdMap.from_ids(user_ids, "user")
    user = user_map.indices_of(user_ids)[user_codes]
    item = items.indices_of(event_item_ids)[item_codes]
    stamps = events[TIMESTAMP].to_numpy(dtype=np.int64)
    order = _event_order(user, stamps, item, len(user_map), len(items))
    user, item, stamps = user[order], item[order], stamps[order]  # rebinding frees each unsorted copy
    codes, names = _codes(events[EVENT], sort=True)
    log = EventLog(
        user=user, item=item, timestamp=stamps, event=codes.astype(np.int16)[order],
        event_names=tuple(str(n) for n in names), value=events[VALUE].to_numpy(dtype=np.float32)[order],
        weight=events["weight"].to_numpy(dtype=np.float32)[order], has_timestamps=has_timestamps,
    )
    del user, item, stamps, codes, order
    item_catalog = build_catalog(items, catalog, ITEM_ID, list_separator)
    user_table = build_attribute_table(user_map, users, USER_ID, separator=list_separator)
    return Dataset(name, user_map, items, log, item_catalog, user_table,
                   content_fingerprint(user_map, items, log, item_catalog, user_table))


def content_fingerprint(users: IdMap, items: IdMap, events: EventLog, catalog: Catalog,
                        user_attributes: AttributeTable) -> str:
    """SHA-256 of a dataset's content: ids, events, item texts and user attributes (`Dataset.fingerprint`)."""
    h = hashlib.sha256()
    h.update(users.fingerprint_bytes)
    h.update(items.fingerprint_bytes)
    h.update(events.digest())
    h.update("\x1e".join(catalog.texts).encode())
    for attr_name, values in user_attributes.categorical.items():
        h.update(attr_name.encode() + repr(values).encode())
    return h.hexdigest()


def _codes(column: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, list[str]]:
    """(per-row codes, distinct values as str) of a column, through a categorical (no per-row Python objects).

    With `sort`, the values are in sorted order (the codes follow).
    """
    categorical = column.astype("category")
    codes, categories = np.asarray(categorical.cat.codes), categorical.cat.categories
    # drop unused categories with one counting pass (pandas' remove_unused_categories sorts every code)
    used = np.bincount(codes + 1, minlength=len(categories) + 1)[1:] > 0
    if not used.all():
        new_code = np.cumsum(used) - 1
        codes = np.where(codes >= 0, new_code[np.maximum(codes, 0)], -1)
        categories = categories[used]
    names = [str(v) for v in categories]
    if sort:
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int64)
        rank[order] = np.arange(len(names))
        codes, names = rank[codes], [names[i] for i in order]
    return codes, names


def _event_order(user: IndexArray, stamps: Int64Array, item: IndexArray, n_users: int, n_items: int) -> np.ndarray:
    """The stable order by user, then time, then item: ``np.lexsort((item, stamps, user))``.

    When the three fit in 63 bits (user index, seconds since the first event, item index), one argsort of
    a packed int64 key gives the same order several times faster than a three-key lexsort.
    """
    if len(stamps):
        first, last = int(stamps.min()), int(stamps.max())
        span_bits = (last - first).bit_length()
        item_bits = max(1, (n_items - 1).bit_length())
        if max(1, (n_users - 1).bit_length()) + span_bits + item_bits <= 63:
            key = user.astype(np.int64) << (span_bits + item_bits)
            key |= (stamps - first) << item_bits
            key |= item
            return np.argsort(key, kind="stable")
    return np.lexsort((item, stamps, user))
