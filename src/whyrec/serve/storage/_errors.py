"""The store's own error: the database cannot be reached or refused an operation."""

from __future__ import annotations

from whyrec.errors import WhyrecError

__all__ = ["StorageError"]


class StorageError(WhyrecError, RuntimeError):
    """The database failed (unreachable, locked for longer than the busy timeout, disk full...).

    Bad input is a `whyrec.errors.DataError` and a bad URL a `whyrec.errors.ConfigError`; this one means the
    request was fine and may succeed later (the API answers 503).

    Attributes:
        url: the database URL, with any password hidden.
        operation: what the store was doing.
    """

    def __init__(self, url: str, operation: str, reason: str, *, hint: str = "") -> None:
        self.url = url
        self.operation = operation
        reason = " ".join(reason.split()).rstrip(".?! ")  # drivers' messages span lines
        hint = hint or "Check that the database is reachable and has free space, then retry."
        super().__init__(f"database {url}: {operation} failed: {reason}. {hint}")
