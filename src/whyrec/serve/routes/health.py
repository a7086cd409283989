"""``/healthz`` (the process is up), ``/readyz`` (a run is loaded and the store answers), ``/metrics``."""

from __future__ import annotations

import logging
import math
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from whyrec.errors import WhyrecError
from whyrec.serve.deps import MetricsAccess, MetricsDep, PublicAccess
from whyrec.serve.schemas import Health, Readiness

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz(_: PublicAccess) -> Health:
    """Liveness: the process answers (no credentials needed; on the event loop, so it answers while database
    calls wait in the thread pool)."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(_: PublicAccess, request: Request) -> Response:
    """Readiness: 200 once a run is loaded and the store can take writes (the SQLite file is the one opened,
    writable, and passes ``PRAGMA quick_check`` every ``ready_check_s``), else 503."""
    service = getattr(request.app.state, "service", None)
    served = service.runs.current if service is not None else None
    if service is None or served is None:
        return _not_ready("no run loaded yet")
    settings = request.app.state.settings
    now = time.monotonic()
    due = now - getattr(request.app.state, "integrity_checked", -math.inf) >= settings.ready_check_s
    try:
        service.storage.health(integrity=due)
    except WhyrecError as e:
        logger.error("not ready: %s", e)
        return _not_ready(f"the database cannot take writes ({getattr(e, 'operation', 'check')} failed); see the "
                          "service log")
    if due:
        request.app.state.integrity_checked = now
    return JSONResponse(Readiness(status="ready", model=served.model_name, run_version=served.version).model_dump())


def _not_ready(detail: str) -> JSONResponse:
    return JSONResponse(Readiness(status="not_ready", detail=detail).model_dump(), status_code=503)


@router.get("/metrics", response_class=Response)
def metrics(_: MetricsAccess, metrics: MetricsDep) -> Response:
    """Prometheus text format (a read key when authentication is on)."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
