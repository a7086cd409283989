"""``/v1/users/{user_id}/recommendations`` and the explanation of one item for a user."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

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
from whyrec.serve.schemas import ErrorBody, RecommendationsOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/users/{user_id}", tags=["recommendations"])


@router.get("/recommendations", response_model=RecommendationsOut,
            responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
async def recommendations(_: UserReadAccess, service: ServiceDep, user_id: UserIdPath, k: KQuery = 10,
                          explain: Annotated[bool, Query(description="Attach an Explanation to each item.")] = False,
                          method: MethodQuery = None, lang: LangQuery = Lang.EN) -> Response:
    """The user's top k, from their training history plus every event posted so far.

    Users the model never saw get the most popular items until their first events arrive; users who turned
    personalization off always get them.
    """
    # The body is rendered once per user version and reused, so it skips FastAPI's response validation.
    # On SQLite a plain list (a cached state) costs about a millisecond of CPU: it runs on the event loop,
    # because a thread-pool hop costs as much. Explained lists (every one has a counterfactual search), and
    # every request on a networked database (which could stall the loop), go to the thread pool.
    call = partial(service.lists.recommend_rendered, user_id, k=k, explain=explain, method=method, lang=lang,
                   render=_render)
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
