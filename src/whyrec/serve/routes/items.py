"""``/v1/items/{item_id}``: items like an item."""

from __future__ import annotations

from fastapi import APIRouter

from whyrec.serve.deps import ItemIdPath, KQuery, ServiceDep
from whyrec.serve.schemas import ErrorBody, SimilarItemOut, SimilarItemsOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/items/{item_id}", tags=["items"])


@router.get("/similar", response_model=SimilarItemsOut, responses={404: {"model": ErrorBody}})
def similar(service: ServiceDep, item_id: ItemIdPath, k: KQuery = 10) -> SimilarItemsOut:
    """The items the model ranks highest for a history of this item alone, each with the attributes both
    share and how many training users interacted with both."""
    found = service.similar(item_id, k=k)
    served = service.served
    index = served.item_index(item_id)
    return SimilarItemsOut(item_id=item_id, title=served.fit.catalog.label(index), model=served.model_name,
                           items=[SimilarItemOut(item_id=s.item_id, title=s.title, rank=s.rank, score=s.score,
                                                 shared_attributes=list(s.shared_attributes),
                                                 co_interactions=s.co_interactions) for s in found])
