"""The store's error, defined with every other error in :mod:`whyrec.errors` and re-exported here."""

from __future__ import annotations

from whyrec.errors import StorageError

__all__ = ["StorageError"]
