"""``POST /v1/events``: feedback, stored in one transaction; the next request uses what the run can score."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from whyrec.errors import AdminAuthError, BatchTooLargeError
from whyrec.serve.deps import EventsAccess, MetricsDep, ServiceDep, SettingsDep
from whyrec.serve.feedback import now_utc
from whyrec.serve.schemas import ErrorBody, EventIn
from whyrec.serve.schemas_events import EventOutcome, EventProblem, EventResult, EventsAccepted, EventsIn, check_events
from whyrec.serve.storage import NewEvent

__all__ = ["router"]

router = APIRouter(prefix="/v1/events", tags=["events"])

AllOrNothingQuery = Annotated[bool, Query(description="Refuse the whole batch, storing nothing, when an event is "
                                                      "invalid (422) or its item is not in the served run (404), "
                                                      "instead of rejecting the invalid events one by one and "
                                                      "storing unknown items' events for the next training.")]


@router.post("", status_code=201, response_model=EventsAccepted,
             responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 413: {"model": ErrorBody},
                        422: {"model": ErrorBody}})
async def post_events(caller: EventsAccess, service: ServiceDep, settings: SettingsDep, metrics: MetricsDep,
                      body: EventsIn, all_or_nothing: AllOrNothingQuery = False) -> EventsAccepted:
    """Store a batch of events in one transaction.

    An event on an item the served run knows is ``applied``: the user's next list uses it. One on an item it
    does not know (a product added after training) is ``stored``: kept for the next training (``whyrec
    events export``). An invalid event (a missing or garbled field, a rating without a positive value, a
    timestamp that is not a time) is ``rejected``: not stored, its result names the field and what was
    expected, and the batch's other events are stored. The response lists exactly the events stored.

    With ``all_or_nothing=true`` an invalid event refuses the whole batch (422) and so does an unknown item
    (404); nothing is stored. A batch with no valid event is a 422 too, and so is a body that is not a batch
    (not an object with a non-empty ``events`` list of objects).

    ``not_interested`` hides the item from that user's lists; other events join the user's history with
    their weight (view 1, click 2, cart 3, purchase 5, rating = its value).
    """
    if len(body.events) > settings.max_batch:
        raise BatchTooLargeError(f"The batch has {len(body.events):,} events; the service takes at most "
                                 f"{settings.max_batch:,} per request. Split it.", size=len(body.events),
                                 limit=settings.max_batch)
    checked = check_events(body.events)
    valid = [(i, e) for i, e in enumerate(checked) if isinstance(e, EventIn)]
    if len(valid) < len(checked) and (all_or_nothing or not valid):
        raise RequestValidationError([{**error, "loc": ("body", "events", i, *error["loc"])}
                                      for i, e in enumerate(checked) if isinstance(e, EventProblem)
                                      for error in e.errors])
    if caller.is_shopper and any(e.user_id != caller.user_id for _, e in valid):
        raise AdminAuthError("A shopper token may post only its own user's events.", status=403)
    now = now_utc()
    events = [NewEvent(user_id=e.user_id, item_id=e.item_id, event_type=e.event_type, value=e.value,
                       timestamp=e.timestamp or now) for _, e in valid]
    call = partial(service.feedback.post_events, events, locs=[("body", "events", i) for i, _ in valid],
                   all_or_nothing=all_or_nothing)
    # SQLite commits in a few milliseconds: inline on the event loop, because a pool thread that waits for the
    # GIL after each of its statements, while the loop serves reads, takes ten times longer (the convoy
    # effect). But never wait on the loop: when another writer holds the lock, the write goes to the thread
    # pool, where it waits (up to the busy timeout) while the loop serves other requests. A networked
    # database always goes through the thread pool.
    stored = call(wait=False) if service.storage.backend == "sqlite" else None
    if stored is None:
        stored = await run_in_threadpool(call)
    assert stored is not None
    metrics.events.inc(len(stored))
    done = iter(stored)
    results = [next(done) if isinstance(e, EventIn) else
               EventResult(id=None, status=EventOutcome.REJECTED, field=e.field, reason=e.reason) for e in checked]
    applied = sum(r.status == EventOutcome.APPLIED for r in stored)
    return EventsAccepted(accepted=len(stored), applied=applied, stored=len(stored) - applied,
                          rejected=len(checked) - len(stored), ids=[r.id for r in stored if r.id is not None],
                          results=results)
