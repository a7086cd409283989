"""Request and response bodies of the REST API (never the storage tables).

Explanations are returned as :class:`whyrec.explain.Explanation`, the schema the CLI prints with ``--json``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.explain.registry import api_methods, explain_method

__all__ = [
    "ApiError",
    "ErrorBody",
    "EventIn",
    "EventType",
    "EventsAccepted",
    "EventsIn",
    "ExplainMethodParam",
    "Health",
    "Identifier",
    "ProfileOut",
    "ProfileTag",
    "Readiness",
    "RecommendationOut",
    "RecommendationsOut",
    "ReloadIn",
    "ReloadOut",
    "SimilarItemOut",
    "SimilarItemsOut",
    "UserSettingsIn",
]

MAX_ID = 256
"""Longest user or item id (the store's limit)."""
EXAMPLE_TIME = "2024-05-01T10:00:00Z"
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def _check_identifier(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain a non-space character")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("must not contain control characters or unpaired surrogates")
    return value


Identifier = Annotated[str, Field(min_length=1, max_length=MAX_ID), AfterValidator(_check_identifier)]
"""A user or item id: 1 to 256 characters, not blank, no control characters."""
EventType = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                                 examples=["view", "click", "cart", "purchase", "rating", "not_interested"])]
"""An event name: the built-in ones have weights (view 1, click 2, cart 3, purchase 5, rating = its value);
``not_interested`` hides the item; any other name weighs 1."""


def _offered(method: ExplainMethod) -> ExplainMethod:
    return explain_method(method, offered=api_methods(), where="the service")


ExplainMethodParam = Annotated[ExplainMethod, AfterValidator(_offered),
                               WithJsonSchema({"type": "string", "enum": [m.value for m in api_methods()]})]
"""Explanation methods the service offers (`whyrec.explain.registry.api_methods`)."""


class EventIn(BaseModel):
    """One event: a user did something with an item."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"user_id": "196", "item_id": "50", "event_type": "purchase", "timestamp": EXAMPLE_TIME}]})

    user_id: Identifier
    item_id: Identifier
    event_type: EventType = "view"
    value: float | None = Field(default=None, allow_inf_nan=False, ge=-1e12, le=1e12)
    """A rating (required and positive for ``rating``) or an amount."""
    timestamp: datetime | None = None
    """When it happened: ISO 8601 or epoch seconds; a time without zone is UTC; default: now."""

    @model_validator(mode="after")
    def _rating_has_value(self) -> EventIn:
        if self.event_type == "rating" and (self.value is None or self.value <= 0):
            raise ValueError(f"a rating event needs a positive value (its weight); got {self.value!r}")
        if self.timestamp is not None:
            stamp = self.timestamp if self.timestamp.tzinfo is not None else self.timestamp.replace(tzinfo=UTC)
            if not (_EARLIEST <= stamp <= _LATEST):
                raise ValueError(f"timestamp must lie between {_EARLIEST.year} and {_LATEST.year}; got "
                                 f"{self.timestamp.isoformat()}")
            self.timestamp = stamp.astimezone(UTC)
        return self


class EventsIn(BaseModel):
    """A batch of events, stored all or nothing."""

    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1)
    """The events, in order (at most the service's ``max_batch``, else 413)."""


class EventsAccepted(BaseModel):
    """The stored batch."""

    accepted: int
    ids: list[int]
    """The store's ids of the events, in the order sent."""


class RecommendationOut(BaseModel):
    """One recommended item."""

    item_id: str
    title: str
    rank: int
    score: float
    explanation: Explanation | None = None


class RecommendationsOut(BaseModel):
    """A user's list and how it was made."""

    user_id: str
    model: str
    """The model that ranked it (``pop`` when it was ranked by popularity)."""
    run_version: int
    personalized: bool
    """False when the user turned personalization off (the list is by popularity)."""
    cold_start: bool
    """True when the user has no usable history yet (the list is by popularity)."""
    history_size: int
    """Events in the history the model scored (training + live, minus removed and hidden)."""
    fallback: Literal["popularity"] | None = None
    """``popularity`` when the model had no signal for this history (its top-k scores all equal, see
    `whyrec.explain.signal`) and the list is by popularity instead; None otherwise."""
    fallback_reason: str | None = None
    """Why the list fell back, in words."""
    items: list[RecommendationOut]


class SimilarItemOut(BaseModel):
    """An item like the one asked about, and why."""

    item_id: str
    title: str
    rank: int
    score: float
    """The model's score of this item for a history of the asked item alone."""
    shared_attributes: list[str]
    """Tags both items carry (``category=Comedy``)."""
    co_interactions: int
    """Training users who interacted with both."""


class SimilarItemsOut(BaseModel):
    """Items like one item."""

    item_id: str
    title: str
    model: str
    items: list[SimilarItemOut]


class ProfileTag(BaseModel):
    """One interest."""

    tag: str
    """``attribute=value``, e.g. ``category=Comedy``."""
    weight: float
    """Share of the history's weight (items split theirs evenly over their tags)."""
    items: int
    """Distinct history items that carry it."""


class ProfileOut(BaseModel):
    """What the service believes about a user, derived from the history it scores."""

    user_id: str
    personalized: bool
    history_size: int
    tags: list[ProfileTag]
    removed_tags: list[str]
    """Tags the user removed: items that carry them no longer count."""
    hidden_items: list[str]
    """Items the user marked not interested."""


class UserSettingsIn(BaseModel):
    """A user's choices."""

    model_config = ConfigDict(extra="forbid")

    personalization: bool = True
    """False: recommendations by popularity, without the user's history."""


class ReloadIn(BaseModel):
    """Which run to serve."""

    model_config = ConfigDict(extra="forbid")

    run_dir: str | None = Field(default=None, min_length=1, max_length=4096)
    """A run directory on the server (default: reload the active one)."""


class ReloadOut(BaseModel):
    """The run now served."""

    run_dir: str
    model: str
    version: int
    loaded_s: float


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Readiness: a run is loaded and the store answers."""

    status: Literal["ready", "not_ready"]
    model: str | None = None
    run_version: int | None = None
    detail: str | None = None


class ApiError(BaseModel):
    """What went wrong."""

    code: str
    """A stable code: ``unknown_item``, ``invalid_request``, ``batch_too_large``, ``unauthorized``..."""
    message: str
    """Where, what was found, what was expected, what to do."""
    loc: list[str | int] | None = None
    """The part of the request at fault (``["body", "events", 0, "item_id"]``)."""


class ErrorBody(BaseModel):
    """Every error response."""

    error: ApiError
