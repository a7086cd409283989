"""``PUT /v1/items`` and ``PUT /v1/items/{item_id}``: add or update products in a running service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from whyrec.serve.catalog_growth import scores_new_items
from whyrec.serve.deps import ItemIdPath, ServiceAccess, ServiceDep
from whyrec.serve.schemas import ErrorBody
from whyrec.serve.schemas_items import ItemRowIn, ItemsIn, ItemsPut, PutItemOut
from whyrec.serve.service import RecommendationService

__all__ = ["router"]

router = APIRouter(prefix="/v1/items", tags=["catalog"])

_RESPONSES: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                                               422: {"model": ErrorBody}}


@router.put("", response_model=ItemsPut, responses=_RESPONSES)
async def put_items(_: ServiceAccess, service: ServiceDep, body: ItemsIn) -> ItemsPut:
    """Add or update catalog rows, in one transaction; they are kept in the database across restarts.

    A text or hybrid model embeds each new item's text, so it can be recommended in the next response; other
    models keep recommending the items they were trained on, and take new ones at the next training. Known
    items get their new title and attributes (lists and filters use them) at once, with every model.
    """
    rows = [(item.item_id, item.model_dump(exclude={"item_id"}, exclude_none=True)) for item in body.items]
    return await run_in_threadpool(_put, service, rows)


@router.put("/{item_id}", response_model=ItemsPut, responses=_RESPONSES)
async def put_item(_: ServiceAccess, service: ServiceDep, item_id: ItemIdPath, body: ItemRowIn) -> ItemsPut:
    """Add or update one product's catalog row (as ``PUT /v1/items`` with one row)."""
    return await run_in_threadpool(_put, service, [(item_id, body.model_dump(exclude_none=True))])


def _put(service: RecommendationService, rows: list[tuple[str, dict[str, Any]]]) -> ItemsPut:
    before, after = service.runs.put_items(rows)
    now = scores_new_items(after)
    return ItemsPut(model=after.model_name, items=[
        PutItemOut(item_id=item_id, status="updated" if item_id in before.fit.items else "added",
                   recommendable=now or item_id in before.fit.items)
        for item_id, _ in rows])
