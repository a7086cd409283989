"""Bodies of ``PUT /v1/items`` and ``PUT /v1/items/{item_id}``: catalog rows added to a running service."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from whyrec.serve.schemas import Identifier

__all__ = ["ItemIn", "ItemRowIn", "ItemsIn", "ItemsPut", "PutItemOut"]

AttributeValue = str | list[str] | Annotated[float, Field(strict=True, allow_inf_nan=False)]


class ItemRowIn(BaseModel):
    """A product's catalog row: what the lists show, what filters match and what text models read."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Solar lantern", "attributes": {"category": "Garden", "price": 19.9}}]})

    title: str = Field(min_length=1, max_length=1000)
    """The display title (text models embed it with the attributes and description); a blank one shows the
    item id."""
    description: str | None = Field(default=None, max_length=10_000)
    """Free text about the product."""
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=50)
    """Catalog columns (any name; an unknown one becomes a new column): a value, several values (a list or
    ``A|B``), or a number for a numeric column."""


class ItemIn(ItemRowIn):
    """A catalog row with its item id (the bulk form)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"item_id": "B0NEW1", "title": "Solar lantern", "attributes": {"category": "Garden"}}]})

    item_id: Identifier


class ItemsIn(BaseModel):
    """Catalog rows to add or update, in one transaction."""

    model_config = ConfigDict(extra="forbid")

    items: list[ItemIn] = Field(min_length=1, max_length=10_000)


class PutItemOut(BaseModel):
    """What became of one row."""

    item_id: str
    status: Literal["added", "updated"]
    """``added``: the served run did not know the item; ``updated``: it did (or an earlier PUT added it)."""
    recommendable: bool
    """Whether the served model recommends the item now (text and hybrid models embed a new item's text;
    other models only after the next training)."""


class ItemsPut(BaseModel):
    """The stored rows."""

    model: str
    """The served model."""
    items: list[PutItemOut]
