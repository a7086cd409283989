"""Checks on values before they reach the database; failures are `whyrec.errors.DataError`."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from whyrec.errors import DataError

MAX_ID = 256
"""Longest user id, item id, tag or state key, in characters."""
MAX_EVENT_TYPE = 64
"""Longest event type, in characters."""


def check_text(value: object, what: str, *, max_len: int = MAX_ID) -> str:
    """`value` if it is a non-blank string of at most `max_len` characters.

    Raises:
        DataError: it is not (the message names `what`).
    """
    if not isinstance(value, str):
        raise DataError(f"{what}: expected a string, got {type(value).__name__} {value!r} instead.")
    if not value.strip():
        raise DataError(f"{what}: expected a non-empty string, got {value!r} instead.")
    if len(value) > max_len:
        raise DataError(f"{what}: expected at most {max_len} characters, got {len(value)} ({value[:40]!r}...) instead.")
    if "\x00" in value:
        raise DataError(f"{what}: expected text without NUL characters, got {value[:40]!r} instead.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no database can store it
        raise DataError(f"{what}: expected valid Unicode text, got {value[:40]!r} instead.") from None
    return value


def check_value(value: object, what: str) -> float | None:
    """`value` as a finite float, or None.

    Raises:
        DataError: it is not a finite number.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"{what}: expected a number or None, got {type(value).__name__} {value!r} instead.")
    if not math.isfinite(value):
        raise DataError(f"{what}: expected a finite number, got {value!r} instead.")
    return float(value)


def check_timestamp(value: object, what: str) -> datetime:
    """`value` converted to UTC.

    Raises:
        DataError: it is not a timezone-aware datetime.
    """
    if not isinstance(value, datetime):
        raise DataError(f"{what}: expected a timezone-aware datetime, got {type(value).__name__} {value!r} instead.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise DataError(f"{what}: expected a timezone-aware datetime (e.g. datetime.now(UTC)), got the naive "
                        f"{value.isoformat()} instead.")
    return value.astimezone(UTC)
