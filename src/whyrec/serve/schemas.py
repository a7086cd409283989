"""Request and response bodies of the REST API (never the storage tables).

Explanations are returned as :class:`whyrec.explain.Explanation`, the schema the CLI prints with ``--json``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.explain.registry import api_methods, explain_method

__all__ = [
    "ID_PATTERN",
    "ApiError",
    "ErasureOut",
    "ErrorBody",
    "EventIn",
    "EventType",
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
    "ShopperTokenIn",
    "ShopperTokenOut",
    "SimilarItemOut",
    "SimilarItemsOut",
    "Timestamp",
    "UserSettingsIn",
    "check_identifier",
]

MAX_ID = 256
"""Longest user or item id (the store's limit)."""
EXAMPLE_TIME = "2024-05-01T10:00:00Z"
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(3000, 1, 1, tzinfo=UTC)


_UNPRINTABLE = "\\x00-\\x1f\\x7f-\\x9f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\ufeff"
_SPACE = " \\xa0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000"  # the rest of str.isspace() is unprintable
ID_PATTERN = f"^[^{_UNPRINTABLE}]*[^{_SPACE}{_UNPRINTABLE}][^{_UNPRINTABLE}]*$"
"""What an id may hold (after NFC normalisation): no control character (C0, DEL, C1: ``\\x01``, ``\\n``,
``\\x7f``, ``\\x85``), no invisible format character (zero-width spaces and joiners, bidirectional
overrides, the byte-order mark), no line or paragraph separator; and not only spaces. It is in the OpenAPI
schema, written so that Python's and ECMA-262's regex engines read it alike (no ``\\s``), and
:func:`check_identifier` applies it, refusing unpaired surrogates too (a JSON string can escape one; a
schema's regex cannot name them)."""
_ID_RE = re.compile(ID_PATTERN.replace(_UNPRINTABLE, _UNPRINTABLE + "\\ud800-\\udfff"))


def check_identifier(value: str) -> str:
    """An id in its one form: NFC-normalised and matching :data:`ID_PATTERN` (path and body ids alike).

    Raises:
        ValueError: the id is blank, or has a character :data:`ID_PATTERN` excludes (the message names it).
    """
    value = unicodedata.normalize("NFC", value)
    if not value.strip():
        raise ValueError("must contain a non-space character")
    if not _ID_RE.fullmatch(value):
        bad = next(c for c in value if not _ID_RE.fullmatch(c + "x"))
        raise ValueError(f"must be printable text; it has the character U+{ord(bad):04X} "
                         f"({unicodedata.name(bad, unicodedata.category(bad))})")
    return value


Identifier = Annotated[str, Field(min_length=1, max_length=MAX_ID, json_schema_extra={"pattern": ID_PATTERN}),
                       AfterValidator(check_identifier)]
"""A user or item id: 1 to 256 characters, NFC-normalised, printable (no control characters), not blank."""
EventType = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                                 examples=["view", "click", "cart", "purchase", "rating", "not_interested"])]
"""An event name: the built-in ones have weights (view 1, click 2, cart 3, purchase 5, rating = its value);
``not_interested`` hides the item; any other name weighs 1."""


def _offered(method: ExplainMethod) -> ExplainMethod:
    return explain_method(method, offered=api_methods(), where="the service")


ExplainMethodParam = Annotated[ExplainMethod, AfterValidator(_offered),
                               WithJsonSchema({"type": "string", "enum": [m.value for m in api_methods()]})]
"""Explanation methods the service offers (`whyrec.explain.registry.api_methods`)."""


def _whole(value: Any) -> Any:
    """A JSON number with no fraction is an integer (JSON Schema's rule): 3600.0 is 3600; "3600" stays refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _epoch_seconds(value: Any) -> Any:
    """Numbers (and numeric strings) are epoch seconds, whatever their size: never guessed as milliseconds."""
    if isinstance(value, bool):
        raise ValueError("must be an ISO 8601 time or epoch seconds, not a boolean")  # pydantic wants ValueError
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if isinstance(value, int | float):
        if not math.isfinite(value) or not (_EARLIEST.timestamp() <= value <= _LATEST.timestamp()):
            hint = " (it looks like milliseconds: divide by 1000)" if 1e11 <= abs(value) < 1e14 else ""
            raise ValueError(f"epoch seconds must lie between {_EARLIEST.year} and {_LATEST.year}; got {value!r}{hint}")
        return datetime.fromtimestamp(value, UTC)
    return value


_TIMESTAMP_SCHEMA = {"anyOf": [  # what the schema promises is accepted, offsets included (a numeric string is too)
    {"type": "string", "format": "date-time", "pattern": "^(190[1-9]|19[1-9][0-9]|2[0-9]{3})-"},
    {"type": "number", "minimum": _EARLIEST.timestamp(), "maximum": _LATEST.timestamp()}]}
Timestamp = Annotated[datetime, BeforeValidator(_epoch_seconds), WithJsonSchema(_TIMESTAMP_SCHEMA)]
"""ISO 8601 (a time without a zone is UTC) or epoch seconds (a number, never read as milliseconds)."""


class EventIn(BaseModel):
    """One event: a user did something with an item."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"user_id": "196", "item_id": "50", "event_type": "purchase", "timestamp": EXAMPLE_TIME}]})

    user_id: Identifier
    item_id: Identifier
    event_type: EventType = "view"
    value: float | None = Field(default=None, allow_inf_nan=False, ge=-1e12, le=1e12, strict=True,
                                validate_default=True)
    """A rating (required and positive for ``rating``) or an amount."""
    timestamp: Timestamp | None = None
    """When it happened: ISO 8601 or epoch seconds (numbers are always seconds); a time without zone is UTC;
    default: now."""

    @field_validator("value")
    @classmethod
    def _rating_has_value(cls, value: float | None, info: ValidationInfo) -> float | None:
        if info.data.get("event_type") == "rating" and (value is None or value <= 0):
            raise ValueError(f"a rating event needs a positive value (its weight); got {value!r}")
        return value

    @field_validator("timestamp")
    @classmethod
    def _in_range_utc(cls, stamp: datetime | None) -> datetime | None:
        if stamp is None:
            return None
        aware = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
        if not (_EARLIEST <= aware <= _LATEST):
            raise ValueError(f"timestamp must lie between {_EARLIEST.year} and {_LATEST.year}; got {stamp.isoformat()}")
        return aware.astimezone(UTC)


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
    retrieval: Literal["exact", "approximate"] = "exact"
    """``approximate`` when the list came from the item index (large catalogs, ``ann`` setting), ``exact``
    when every item was scored. Explanations are exact either way."""
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

    personalization: bool = Field(default=True, strict=True)
    """False: recommendations by popularity, without the user's history (JSON true or false only)."""


NOT_ERASED = (("training data: the user's events inside the served run, until a run trained on data without "
               "them is loaded (whyrec train, then POST /v1/admin/reload)"),
              "log lines: they carry a keyed hash of the user id, never the id itself")


class ErasureOut(BaseModel):
    """What an erasure removed, and what it cannot."""

    user_id: str
    events: int
    """Stored events deleted."""
    settings: int
    """Settings rows deleted (0 or 1)."""
    removed_tags: int
    """Removed-tag rows deleted."""
    not_removed: list[str] = Field(default_factory=lambda: list(NOT_ERASED))
    """What stays, and how it goes."""


class ShopperTokenIn(BaseModel):
    """Whom a shopper token speaks for, and for how long."""

    model_config = ConfigDict(extra="forbid")

    user_id: Identifier
    ttl_s: Annotated[int, Field(ge=60, le=31 * 86_400, strict=True), BeforeValidator(_whole)] | None = None
    """Lifetime in seconds (default 3600; capped by the service's ``token_max_ttl_s``)."""


class ShopperTokenOut(BaseModel):
    """A shopper token: send it as ``Authorization: Bearer <token>``."""

    token: str
    user_id: str
    expires_at: int
    """Epoch seconds."""


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
