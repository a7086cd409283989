"""``GET /v1/users/{user_id}/view``: what the shopper page shows first, in one answer."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from whyrec.explain.explanation import Lang
from whyrec.serve.deps import KQuery, LangQuery, ServiceDep, UserIdPath, UserReadAccess
from whyrec.serve.schemas import ErrorBody
from whyrec.serve.web.view import ShopperViewOut, shopper_view

__all__ = ["router"]

router = APIRouter(prefix="/v1/users/{user_id}", tags=["recommendations"])


@router.get("/view", response_model=ShopperViewOut, responses={422: {"model": ErrorBody}})
async def view(_: UserReadAccess, service: ServiceDep, user_id: UserIdPath, k: KQuery = 10,
               lang: LangQuery = Lang.EN) -> ShopperViewOut:
    """The user's explained top k, each item's catalog attributes, and the recent history (the shopper page)."""
    return await run_in_threadpool(shopper_view, service, user_id, k=k, lang=lang)
