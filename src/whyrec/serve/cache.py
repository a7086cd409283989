"""A small thread-safe LRU map (the per-user scoring states and the similar-item lists), bounded by entries
and, when given a size function, by bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LRUCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most `capacity` entries (and `max_bytes` bytes); the least recently used one goes first.

    ``capacity=0`` keeps nothing. A value that grows after it was stored (a user state gathers explanations) is
    measured again by :meth:`resize`.

    Args:
        capacity: most entries.
        max_bytes: most bytes, as `sizeof` counts them (None: no byte bound).
        sizeof: the size of a value in bytes (needed with `max_bytes`).

    Attributes:
        evictions: entries dropped to stay within the bounds.

    Example:
        >>> cache = LRUCache[str, int](1)
        >>> cache.put("a", 1); cache.put("b", 2)
        >>> cache.get("a"), cache.get("b")
        (None, 2)
    """

    def __init__(self, capacity: int, *, max_bytes: int | None = None,
                 sizeof: Callable[[V], int] | None = None) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._sizeof = sizeof if sizeof is not None else (lambda _v: 0)
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.evictions = 0

    @property
    def bytes_used(self) -> int:
        """Bytes of the values kept, as last measured."""
        return self._bytes

    def get(self, key: K) -> V | None:
        """The value under `key` (now the most recent), or None."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            self._data.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V) -> None:
        """Store `value`, evicting the oldest entries beyond the bounds (`value` itself when it alone is over)."""
        if self.capacity <= 0:
            return
        size = self._sizeof(value)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._data[key] = (value, size)
            self._bytes += size
            self._evict()

    def resize(self, key: K) -> None:
        """Measure the value under `key` again (it grew or shrank), evicting others to stay within the bounds."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return
            size = self._sizeof(entry[0])
            self._data[key] = (entry[0], size)
            self._bytes += size - entry[1]
            self._evict()

    def _evict(self) -> None:
        while self._data and (len(self._data) > self.capacity or
                              (self.max_bytes is not None and self._bytes > self.max_bytes)):
            _, (_, size) = self._data.popitem(last=False)
            self._bytes -= size
            self.evictions += 1

    def pop(self, key: K) -> None:
        """Forget `key` (no error when absent)."""
        with self._lock:
            entry = self._data.pop(key, None)
            if entry is not None:
                self._bytes -= entry[1]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)
