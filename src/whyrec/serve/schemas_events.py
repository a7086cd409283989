"""The answer of ``POST /v1/events``: per event, whether it was applied or stored for the next training."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

__all__ = ["EventOutcome", "EventResult", "EventsAccepted"]


class EventOutcome(StrEnum):
    """What became of one posted event."""

    APPLIED = "applied"
    """The run knows the item: the user's next list uses the event."""
    STORED = "stored"
    """The run does not know the item (a product added after training): kept for the next training
    (``whyrec events export``), ignored by the lists until a run that knows the item is served."""


class EventResult(BaseModel):
    """One posted event's result, in the order sent."""

    id: int
    """The store's id of the event."""
    status: EventOutcome


class EventsAccepted(BaseModel):
    """The stored batch."""

    accepted: int
    """Events stored (applied + stored)."""
    applied: int
    """Events on items the served run knows."""
    stored: int
    """Events on items it does not know, kept for the next training."""
    ids: list[int]
    """The store's ids of the events, in the order sent."""
    results: list[EventResult]
    """Per event, in the order sent: its id and whether it was applied or only stored."""
