"""``/healthz`` (the process is up), ``/readyz`` (a run is loaded and the store answers), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from whyrec.errors import WhyrecError
from whyrec.serve.deps import MetricsAccess, MetricsDep, PublicAccess
from whyrec.serve.schemas import Health, Readiness

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz(_: PublicAccess) -> Health:
    """Liveness: the process answers (no credentials needed; on the event loop, so it answers while database
    calls wait in the thread pool)."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(_: PublicAccess, request: Request) -> Response:
    """Readiness: 200 once a run is loaded and the store answers, else 503."""
    service = getattr(request.app.state, "service", None)
    served = service.runs.current if service is not None else None
    if served is None:
        return JSONResponse(Readiness(status="not_ready", detail="no run loaded yet").model_dump(), status_code=503)
    try:
        service.storage.get_state("active_run")
    except WhyrecError as e:
        return JSONResponse(Readiness(status="not_ready", detail=str(e)).model_dump(), status_code=503)
    return JSONResponse(Readiness(status="ready", model=served.model_name, run_version=served.version).model_dump())


@router.get("/metrics", response_class=Response)
def metrics(_: MetricsAccess, metrics: MetricsDep) -> Response:
    """Prometheus text format (a read key when authentication is on)."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
