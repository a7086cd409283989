"""``POST /v1/tokens``: a shopper token, issued by the shop's backend (a service key) for one user."""

from __future__ import annotations

from fastapi import APIRouter, Request

from whyrec.serve.deps import ServiceAccess
from whyrec.serve.guard import Guard
from whyrec.serve.schemas import ErrorBody, ShopperTokenIn, ShopperTokenOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/tokens", tags=["auth"])


@router.post("", status_code=201, response_model=ShopperTokenOut,
             responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def issue_token(_: ServiceAccess, request: Request, body: ShopperTokenIn) -> ShopperTokenOut:
    """A signed token that lets a browser act as this one user: their recommendations, explanations, events,
    profile, settings and erasure (``Authorization: Bearer <token>``), until it expires."""
    guard: Guard = request.app.state.guard
    token, expires = guard.issue(body.user_id, body.ttl_s)
    return ShopperTokenOut(token=token, user_id=body.user_id, expires_at=expires)
