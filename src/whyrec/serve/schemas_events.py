"""The body and the answer of ``POST /v1/events``: per event, whether it was applied, stored for the next
training, or rejected (and why); and the per-event check that decides the rejected ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from whyrec.serve.schemas import EventIn

__all__ = ["EventOutcome", "EventProblem", "EventResult", "EventsAccepted", "EventsIn", "PostedEvent",
           "check_events"]


PostedEvent = Annotated[EventIn | dict[str, Any], Field(union_mode="left_to_right")]
"""One element of a batch: an `EventIn`, or any other object, which is rejected on its own (its result says
which field is wrong and what was expected) while the batch's valid events are stored."""


class EventsIn(BaseModel):
    """A batch of events, stored in one transaction.

    Each element is an object; one that is not a valid `EventIn` is rejected on its own
    (`check_events`), unless the request asks for all or nothing.
    """

    model_config = ConfigDict(extra="forbid")

    events: list[PostedEvent] = Field(min_length=1)
    """The events, in order (at most the service's ``max_batch``, else 413)."""


class EventOutcome(StrEnum):
    """What became of one posted event."""

    APPLIED = "applied"
    """The run knows the item: the user's next list uses the event."""
    STORED = "stored"
    """The run does not know the item (a product added after training): kept for the next training
    (``whyrec events export``), ignored by the lists until a run that knows the item is served."""
    REJECTED = "rejected"
    """The event is invalid (its ``field`` and ``reason`` say why): not stored; the batch's other events are."""


class EventResult(BaseModel):
    """One posted event's result, in the order sent."""

    id: int | None
    """The store's id of the event; None when it was rejected (nothing was stored)."""
    status: EventOutcome
    field: str | None = None
    """A rejected event's first invalid field (``timestamp``, ``value``...); None otherwise."""
    reason: str | None = None
    """Why the event was rejected: each invalid field, what it holds wrong and what is expected."""


class EventsAccepted(BaseModel):
    """The stored batch: exactly the events stored (applied + stored), and each rejected one."""

    accepted: int
    """Events stored (applied + stored)."""
    applied: int
    """Events on items the served run knows."""
    stored: int
    """Events on items it does not know, kept for the next training."""
    rejected: int = 0
    """Invalid events, not stored (their results say why)."""
    ids: list[int]
    """The store's ids of the stored events, in the order sent (rejected events have none)."""
    results: list[EventResult]
    """Per posted event, in the order sent: its id and whether it was applied, stored or rejected."""


#: What each field takes, added to the validator's words in a rejection's reason.
_EXPECTED = {
    "user_id": "a printable id of 1 to 256 characters, not blank",
    "item_id": "a printable id of 1 to 256 characters, not blank",
    "event_type": "a name of letters, digits and _ . : - (view, click, cart, purchase, rating, not_interested, "
                  "or your own)",
    "value": "a finite number; a rating needs one above 0",
    "timestamp": "ISO 8601 (2024-05-01T10:00:00Z) or epoch seconds (1714557600), between 1900 and 3000",
}


@dataclass(frozen=True)
class EventProblem:
    """Why one posted event is invalid.

    Attributes:
        field: its first invalid field (``event`` when the object as a whole is wrong).
        reason: each invalid field with what is wrong and what is expected.
        errors: pydantic's errors, each ``loc`` relative to the event (for a 422 on the whole batch).
    """

    field: str
    reason: str
    errors: list[dict[str, Any]]


def check_events(posted: Sequence[PostedEvent]) -> list[EventIn | EventProblem]:
    """Each posted element as a valid `EventIn`, or the problem that makes it invalid, in order."""
    return [event if isinstance(event, EventIn) else _problem(event) for event in posted]


def _problem(raw: dict[str, Any]) -> EventIn | EventProblem:
    try:
        return EventIn.model_validate(raw)  # the union already refused it; kept total in case it did not
    except ValidationError as error:
        errors = [_worded(e) for e in error.errors(include_url=False, include_input=False)]
    fields = [str(e["loc"][0]) if e["loc"] else "event" for e in errors]
    return EventProblem(field=fields[0], reason="; ".join(f"{f}: {e['msg']}" for f, e in zip(fields, errors,
                                                                                           strict=True)),
                        errors=errors)


def _worded(error: Any) -> dict[str, Any]:
    loc = tuple(error["loc"])
    field = str(loc[0]) if loc else ""
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        msg = f"unknown field; an event takes {', '.join(EventIn.model_fields)}"
    elif field in _EXPECTED:
        msg = f"{msg}. Expected {_EXPECTED[field]}"
    return {"loc": loc, "type": error["type"], "msg": msg}
