"""``POST /v1/events``: feedback, stored all or nothing and used by the next request."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from whyrec.errors import BatchTooLargeError
from whyrec.serve.deps import MetricsDep, ServiceDep, SettingsDep
from whyrec.serve.feedback import now_utc
from whyrec.serve.schemas import ErrorBody, EventsAccepted, EventsIn
from whyrec.serve.storage import NewEvent

__all__ = ["router"]

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.post("", status_code=201, response_model=EventsAccepted,
             responses={404: {"model": ErrorBody}, 413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def post_events(service: ServiceDep, settings: SettingsDep, metrics: MetricsDep,
                      body: EventsIn) -> EventsAccepted:
    """Store a batch of events. Every item must be in the served run (else 404 and nothing is stored).

    ``not_interested`` hides the item from that user's lists; other events join the user's history with
    their weight (view 1, click 2, cart 3, purchase 5, rating = its value).
    """
    if len(body.events) > settings.max_batch:
        raise BatchTooLargeError(f"The batch has {len(body.events):,} events; the service takes at most "
                                 f"{settings.max_batch:,} per request. Split it.", size=len(body.events),
                                 limit=settings.max_batch)
    now = now_utc()
    events = [NewEvent(user_id=e.user_id, item_id=e.item_id, event_type=e.event_type, value=e.value,
                       timestamp=e.timestamp or now) for e in body.events]
    call = partial(service.feedback.post_events, events, locs=[("body", "events", i) for i in range(len(events))])
    # SQLite commits in a few milliseconds: inline on the event loop, because a pool thread that waits for the
    # GIL after each of its statements, while the loop serves reads, takes ten times longer (the convoy
    # effect). A networked database goes through the thread pool.
    ids = call() if service.storage.backend == "sqlite" else await run_in_threadpool(call)
    metrics.events.inc(len(ids))
    return EventsAccepted(accepted=len(ids), ids=ids)
