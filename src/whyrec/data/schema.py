"""Column names and event weights: the vocabulary of input files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from whyrec._types import EventKind

__all__ = [
    "CATALOG_ID",
    "EVENT",
    "ITEM_ID",
    "MULTI_VALUE_SEPARATOR",
    "REQUIRED_INTERACTION_COLUMNS",
    "TEXT_COLUMNS",
    "TIMESTAMP",
    "TIME_UNITS",
    "USER_ID",
    "VALUE",
    "EventWeights",
    "TimeUnit",
]

USER_ID = "user_id"
ITEM_ID = "item_id"
TIMESTAMP = "timestamp"
EVENT = "event"
VALUE = "value"
CATALOG_ID = ITEM_ID
REQUIRED_INTERACTION_COLUMNS = (USER_ID, ITEM_ID)
#: Catalog columns that hold free text rather than attribute values.
TEXT_COLUMNS = ("title", "description")
#: Multi-valued attribute cells are written ``Action|Comedy``.
MULTI_VALUE_SEPARATOR = "|"
#: How the numbers of a time column count: seconds, milli-, micro- or nanoseconds since 1970, or a plain
#: sequence index (``order``: no dates, only the order of a user's events).
TimeUnit = Literal["s", "ms", "us", "ns", "order"]
TIME_UNITS: tuple[str, ...] = ("s", "ms", "us", "ns", "order")


class EventWeights(BaseModel):
    """How much one event of each kind counts in a user's history.

    A ``rating`` event weighs its ``value``; any event name not listed weighs ``default``.

    Example:
        >>> EventWeights().weight_of("cart")
        3.0
        >>> EventWeights(extra={"wishlist": 2.5}).weight_of("wishlist")
        2.5
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    view: PositiveFloat = 1.0
    """Weight of a product view."""
    click: PositiveFloat = 2.0
    """Weight of a click."""
    cart: PositiveFloat = 3.0
    """Weight of adding to the cart."""
    purchase: PositiveFloat = 5.0
    """Weight of a purchase."""
    default: PositiveFloat = 1.0
    """Weight of an interaction without an event name, or with a name not listed here."""
    extra: Mapping[str, PositiveFloat] = Field(default_factory=dict)
    """Weights of user-defined event names."""

    def weight_of(self, event: str) -> float:
        """The weight of one event of kind `event` (ratings are weighed by value elsewhere)."""
        if event in self.extra:
            return float(self.extra[event])
        fixed = {
            EventKind.VIEW: self.view,
            EventKind.CLICK: self.click,
            EventKind.CART: self.cart,
            EventKind.PURCHASE: self.purchase,
        }
        return float(fixed.get(event, self.default))  # type: ignore[call-overload]
