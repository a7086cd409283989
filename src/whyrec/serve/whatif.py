"""What if: the user's list re-scored for an edited history, without writing anything.

The shopper's view offers a switch on each history item of an explanation; turning items off asks
:func:`what_if` for the list the model would give without them. The edited history is scored as the
explanations' counterfactuals are checked: by the model retrained without those interactions when it can do
that at request time (`RetrainScorer`, e.g. EASE's exact update: ``retrained``), else by the served weights
(``rescored``); so trying a counterfactual's items gives the rank its sentence claims. The list is ranked
as the service ranks every list (``whyrec.serve.user_state._rank``: score, then popularity, then index):
items switched off may be recommended again, unless the user hid them or the run cannot recommend them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from whyrec.data.history import HistoryBatch
from whyrec.explain.explanation import Verification
from whyrec.explain.signal import has_signal
from whyrec.models.capabilities import RetrainScorer
from whyrec.serve.schemas import MAX_ID
from whyrec.serve.served_run import ServedRun

# the service's one ranking rule (score, popularity, index), shared with every list
from whyrec.serve.user_state import UserState
from whyrec.serve.user_state import _rank as rank_items

__all__ = ["WhatIfIn", "WhatIfItem", "WhatIfOut", "what_if"]

#: History items one what-if may switch off (a page shows a few dozen at most).
MAX_WITHOUT = 200


class WhatIfIn(BaseModel):
    """An edit of the user's history to try (nothing is stored)."""

    model_config = ConfigDict(extra="forbid")

    without: list[str] = Field(default_factory=list, max_length=MAX_WITHOUT,
                               description="Item ids whose events are switched off.")
    item_id: str | None = Field(None, min_length=1, max_length=MAX_ID,
                                description="An item whose rank to report before and after (e.g. the explained "
                                            "card).")
    k: int = Field(10, ge=1, le=100, description="Length of the list returned.")


class WhatIfItem(BaseModel):
    """One item of the edited list."""

    item_id: str
    title: str
    rank: int
    score: float
    rank_before: int
    """Its rank in the user's list now (0: not rankable now, e.g. a history item switched off)."""


class WhatIfOut(BaseModel):
    """The list the edited history gives, and where the asked item went."""

    user_id: str
    removed: list[str]
    """The switched-off items that were in the history the model scores (others change nothing)."""
    history_size: int
    """Events left in the edited history."""
    item_id: str | None
    rank_before: int | None
    """The asked item's rank now (0: it cannot be recommended now)."""
    rank: int | None
    """Its rank for the edited history (0: it cannot be recommended then)."""
    score: float | None
    scored_by: Literal["model", "popularity"]
    """``popularity`` when the edited history is empty, the user switched personalization off, or the model
    has no signal for it."""
    verified: Verification | None
    """How the edited history was scored: ``retrained`` (the model refitted without the switched-off
    interactions), ``rescored`` (the served weights), None when nothing was switched off."""
    items: list[WhatIfItem]


def what_if(served: ServedRun, state: UserState, body: WhatIfIn) -> WhatIfOut:
    """The list of `state`'s user with the events on ``body.without`` switched off.

    Raises:
        ItemNotFoundError: an item of the request is not in the served run (404).
    """
    index = served.fit.items
    without = [served.item_index(i, loc=("body", "without", n)) for n, i in enumerate(body.without)]
    target = served.item_index(body.item_id, loc=("body", "item_id")) if body.item_id is not None else None
    in_history = np.intersect1d(np.asarray(without, dtype=np.int32), state.history.items)
    history = state.history.without(in_history.tolist()) if len(in_history) else state.history
    # what cannot be recommended now stays so, except the switched-off history items the run may recommend
    excluded = np.flatnonzero(state.ranks == 0)
    back = np.setdiff1d(np.intersect1d(in_history, served.candidates), state.hidden)
    excluded = np.setdiff1d(excluded, back)
    scored_by: Literal["model", "popularity"] = "popularity"
    scores = served.popularity
    verified: Verification | None = None
    if state.personalized and len(history):
        scores, verified = _score(served, state, in_history)
        scored_by = "model"
    ranking = rank_items(served, scores, excluded)
    if scored_by == "model" and not has_signal(scores[ranking], body.k):
        scores, scored_by = served.popularity, "popularity"
        ranking = ranking[np.argsort(-served.popularity[ranking], kind="stable")]
    ranks = np.zeros(served.n_items, dtype=np.int32)
    ranks[ranking] = np.arange(1, len(ranking) + 1, dtype=np.int32)
    top = ranking[: body.k].tolist()
    items = [WhatIfItem(item_id=index.id_of(i), title=served.fit.catalog.label(i), rank=r + 1, score=float(scores[i]),
                        rank_before=int(state.ranks[i])) for r, i in enumerate(top)]
    return WhatIfOut(user_id=state.user_id, removed=list(index.ids_of(in_history)), history_size=len(history),
                     item_id=body.item_id, rank_before=None if target is None else int(state.ranks[target]),
                     rank=None if target is None else int(ranks[target]),
                     score=None if target is None else float(scores[target]), scored_by=scored_by,
                     verified=verified if len(in_history) else None, items=items)


def _score(served: ServedRun, state: UserState, removed: np.ndarray) -> tuple[np.ndarray, Verification]:
    """Scores of the history without `removed`, retrained when the model can (as counterfactuals are checked)."""
    model = served.model
    if len(removed) and isinstance(model, RetrainScorer):
        retrained = model.retrained_edits(state.history, served.fit)
        if retrained is not None:
            return np.asarray(retrained([frozenset(removed.tolist())])[0]), "retrained"
    edited = state.history.without(removed.tolist()) if len(removed) else state.history
    return model.score(HistoryBatch.from_histories([edited], served.n_items))[0], "rescored"
