"""``POST /v1/users/{user_id}/whatif``: the list for an edited history, read-only."""

from __future__ import annotations

from fastapi import APIRouter

from whyrec.serve.deps import ServiceDep, UserIdPath, UserReadAccess
from whyrec.serve.schemas import ErrorBody
from whyrec.serve.whatif import WhatIfIn, WhatIfOut, what_if

__all__ = ["router"]

router = APIRouter(prefix="/v1/users/{user_id}", tags=["recommendations"])


_NO_EDIT = WhatIfIn()  # no body: the list as it is now


@router.post("/whatif", response_model=WhatIfOut, responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def whatif(_: UserReadAccess, service: ServiceDep, user_id: UserIdPath, body: WhatIfIn = _NO_EDIT) -> WhatIfOut:
    """The user's top k if the events on ``without`` had not happened, and the new rank of ``item_id``.

    Nothing is written: the served weights re-score the edited history (like a ``rescored`` counterfactual).
    A read key or the user's own shopper token may ask; without a body, the list as it is now.
    """
    served = service.runs.served
    state = service.states.user_state(user_id, served)
    found = what_if(served, state, body)
    service.states.account(state)
    return found
