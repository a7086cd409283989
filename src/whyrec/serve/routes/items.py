"""``/v1/items/{item_id}``: items like an item."""

from __future__ import annotations

from fastapi import APIRouter

from whyrec.serve.deps import ItemIdPath, KQuery, ReadAccess, ServiceDep
from whyrec.serve.schemas import ErrorBody, SimilarItemsOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/items/{item_id}", tags=["items"])


@router.get("/similar", response_model=SimilarItemsOut, responses={404: {"model": ErrorBody}})
def similar(_: ReadAccess, service: ServiceDep, item_id: ItemIdPath, k: KQuery = 10) -> SimilarItemsOut:
    """The items the model ranks highest for a history of this item alone, each with the attributes both
    share and how many training users interacted with both."""
    return service.items.similar(item_id, k=k)
