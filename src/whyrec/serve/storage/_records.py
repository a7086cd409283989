"""The values the store takes and gives back: events, per-user settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

__all__ = ["NOT_INTERESTED", "NewEvent", "StoredEvent", "UserSettings"]

NOT_INTERESTED = "not_interested"
"""The event type that hides an item from a user's recommendations (see `Storage.hidden_items`)."""


@dataclass(frozen=True)
class NewEvent:
    """One event to append.

    Attributes:
        user_id: the shopper (1 to 256 characters).
        item_id: the product (1 to 256 characters).
        event_type: what happened: ``view``, ``click``, ``cart``, ``purchase``, ``rating``,
            ``not_interested`` or any other name (1 to 64 characters).
        value: a rating or amount, or None.
        timestamp: when it happened; timezone-aware (stored and returned in UTC).
    """

    user_id: str
    item_id: str
    event_type: str
    value: float | None
    timestamp: datetime


@dataclass(frozen=True)
class StoredEvent(NewEvent):
    """An event as stored: a `NewEvent` with the id the store gave it (ids grow with insertion order).

    Attributes:
        id: the store's id of the event.
    """

    id: int


class UserSettings(BaseModel):
    """A user's choices about how they are served."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    personalization: bool = True
    """False: the user gets non-personalised recommendations, and their history is not used."""
