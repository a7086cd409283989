"""Two-way maps between external string ids and dense integer indices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from whyrec._types import IndexArray
from whyrec.errors import UnknownIdError

__all__ = ["IdMap", "sort_ids"]


def sort_ids(ids: Iterable[str]) -> list[str]:
    """Sort ids numerically when every id is an integer, else lexicographically (PROTOCOL.md's tie order).

    Example:
        >>> sort_ids(["10", "9", "100"])
        ['9', '10', '100']
        >>> sort_ids(["b", "a10", "a9"])
        ['a10', 'a9', 'b']
    """
    unique = pd.unique(pd.Series(list(ids), dtype=object))
    series = pd.Series(unique, dtype=object)
    as_int = pd.to_numeric(series, errors="coerce")
    if len(series) and as_int.notna().all() and series.str.fullmatch(r"-?\d+").all():
        if np.abs(as_int.to_numpy(dtype=np.float64)).max() >= 2.0**53:  # float64 would tie distinct long ids
            return sorted((str(x) for x in unique), key=lambda x: (int(x), x))
        # equal numbers written differently ("0", "00") tie-break on the text, so the order ignores input order
        order = np.lexsort((series.to_numpy(dtype=str), as_int.to_numpy(dtype=np.float64)))
        return [str(x) for x in series.to_numpy()[order]]
    return sorted(str(x) for x in unique)


@dataclass(frozen=True, eq=False)
class IdMap:
    """External ids (strings) <-> dense indices ``0..n-1``, in the order given.

    Example:
        >>> m = IdMap.from_ids(["10", "9"])
        >>> m.ids, m.index_of("10")
        (('9', '10'), 1)
    """

    ids: tuple[str, ...]
    kind: str = "item"

    @classmethod
    def from_ids(cls, ids: Iterable[str], kind: str = "item") -> IdMap:
        """Build a map over the distinct `ids`, in PROTOCOL.md order."""
        return cls(tuple(sort_ids(ids)), kind)

    @cached_property
    def _index(self) -> pd.Index:
        return pd.Index(self.ids, dtype=object)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, external_id: object) -> bool:
        return external_id in self._index

    def index_of(self, external_id: str) -> int:
        """Index of one id; UnknownIdError when absent."""
        try:  # the hash table alone: building an Index for one id costs a hundred times more
            return int(self._index.get_loc(external_id))
        except (KeyError, TypeError):
            raise UnknownIdError(self.kind, [external_id], n_known=len(self)) from None

    def indices_of(self, external_ids: Sequence[str], *, missing: str = "raise") -> IndexArray:
        """Indices of many ids.

        Args:
            external_ids: ids to look up.
            missing: ``"raise"`` for UnknownIdError, or ``"mark"`` to return -1 for unknown ids.
        """
        found = self._index.get_indexer(pd.Index(list(external_ids), dtype=object))
        if missing == "raise" and (found < 0).any():
            unknown = [external_ids[int(i)] for i in np.flatnonzero(found < 0)]
            raise UnknownIdError(self.kind, unknown, n_known=len(self))
        indices: IndexArray = found.astype(np.int32)
        return indices

    def id_of(self, index: int) -> str:
        """External id at `index`."""
        return self.ids[index]

    def ids_of(self, indices: Iterable[int]) -> list[str]:
        """External ids at `indices`."""
        return [self.ids[int(i)] for i in indices]

    @cached_property
    def fingerprint_bytes(self) -> bytes:
        """Stable bytes of the ids, for dataset fingerprints."""
        return "\x1f".join(self.ids).encode()
