"""``/v1/users/{user_id}/recommendations`` and the explanation of one item for a user."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from whyrec.data.filters import ItemFilter
from whyrec.explain.explanation import Explanation, Lang
from whyrec.serve.deps import (
    ItemIdPath,
    KQuery,
    LangQuery,
    MethodQuery,
    ServiceDep,
    UserIdPath,
    UserReadAccess,
)
from whyrec.serve.schemas import ID_PATTERN, MAX_ID, ErrorBody, RecommendationsOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/users/{user_id}", tags=["recommendations"])

#: ``column:value``, each part with a character other than a space (what `ItemFilter.parse` accepts).
FILTER_PATTERN = r"^[^:]*[^:\s][^:]*:.*\S.*$"
_ITEM_IDS = "Item ids, repeated (`exclude=50&exclude=181`) or comma-separated."
CategoryQuery = Annotated[str | None, Query(min_length=1, max_length=MAX_ID, pattern=ID_PATTERN,
                                            description="Only items of this category (the catalog's `category` "
                                                        "column).")]
FilterQuery = Annotated[list[Annotated[str, Query(pattern=FILTER_PATTERN, max_length=2 * MAX_ID)]] | None, Query(
    description="`column:value`: only items with this value in a catalog column.")]
_Ids = list[Annotated[str, Query(min_length=1)]]
ExcludeQuery = Annotated[_Ids | None, Query(description=f"Never recommend these. {_ITEM_IDS}")]
CandidatesQuery = Annotated[_Ids | None, Query(description=f"Recommend only among these. {_ITEM_IDS}")]


@router.get("/recommendations", response_model=RecommendationsOut,
            responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
async def recommendations(_: UserReadAccess, service: ServiceDep, user_id: UserIdPath, k: KQuery = 10,
                          explain: Annotated[bool, Query(description="Attach an Explanation to each item.")] = False,
                          method: MethodQuery = None, lang: LangQuery = Lang.EN,
                          category: CategoryQuery = None, filter: FilterQuery = None,
                          exclude: ExcludeQuery = None, candidates: CandidatesQuery = None) -> Response:
    """The user's top k, from their training history plus every event posted so far.

    Filters: ``category``, ``filter=column:value`` (any catalog column; repeat it: the same column means
    either value, different columns must all match), ``exclude`` and ``candidates`` (item ids, repeated or
    comma-separated; ids the run does not know are ignored). A column the catalog lacks, or a value no item
    has, is a 422 that lists what exists.

    Users the model never saw get the most popular items until their first events arrive; users who turned
    personalization off always get them.
    """
    # The body is rendered once per user version and reused, so it skips FastAPI's response validation.
    # On SQLite a plain list (a cached state) costs about a millisecond of CPU: it runs on the event loop,
    # because a thread-pool hop costs as much. Explained lists (every one has a counterfactual search), and
    # every request on a networked database (which could stall the loop), go to the thread pool.
    item_filter = ItemFilter.parse(category=category, filters=filter or (), exclude=",".join(exclude or ()),
                                   candidates=None if candidates is None else ",".join(candidates))
    call = partial(service.lists.recommend_rendered, user_id, k=k, explain=explain, method=method, lang=lang,
                   render=_render, item_filter=item_filter)
    slow = explain or service.storage.backend != "sqlite"
    body = await run_in_threadpool(call) if slow else call()
    return Response(body, media_type="application/json")


def _render(found: RecommendationsOut) -> bytes:
    return found.model_dump_json().encode()


@router.get("/items/{item_id}/explanation", response_model=Explanation,
            responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def item_explanation(_: UserReadAccess, service: ServiceDep, user_id: UserIdPath, item_id: ItemIdPath,
                     method: MethodQuery = None,
                     k: Annotated[int, Query(ge=1, le=100, description="List length a counterfactual must push "
                                                                           "the item out of.")] = 10,
                     lang: LangQuery = Lang.EN) -> Explanation:
    """Why the item scores as it does for the user now (``rank`` is 0 when it cannot be recommended to them)."""
    return service.lists.explain_item(user_id, item_id, method=method, k=k, lang=lang)
