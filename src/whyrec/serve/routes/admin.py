"""``/v1/admin``: hot reload of the served run (needs the admin token)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from whyrec.serve.deps import AdminAccess, ServiceDep
from whyrec.serve.schemas import ErrorBody, ReloadIn, ReloadOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/reload", response_model=ReloadOut,
             responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def reload(_: AdminAccess, service: ServiceDep, body: ReloadIn | None = None) -> ReloadOut:
    """Load a run directory and swap it in without dropping requests: requests in flight finish on the old
    run, and every other worker adopts the new one within ``reload_check_s``."""
    served = await run_in_threadpool(service.runs.reload, body.run_dir if body else None)
    return ReloadOut(run_dir=str(served.path), model=served.model_name, version=served.version,
                     loaded_s=served.loaded_s)
