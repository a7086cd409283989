"""What users tell the service: events, removed tags, settings, erasure; and the profile it derives.

Every change is written to the store first (shared by the workers), then this worker drops its cached state
of the user, so the next request rebuilds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from whyrec.errors import ItemNotFoundError, UnknownIdError
from whyrec.serve.lifecycle import RunLifecycle
from whyrec.serve.schemas import ErasureOut, ProfileOut, ProfileTag
from whyrec.serve.schemas_events import EventOutcome, EventResult
from whyrec.serve.served_run import ServedRun
from whyrec.serve.storage import NewEvent, Storage, UserSettings
from whyrec.serve.user_cache import UserStates
from whyrec.serve.user_state import profile_tags

__all__ = ["Feedback", "now_utc"]


class Feedback:
    """Users' events, profiles, removed tags, settings and erasure.

    Args:
        runs: the served run.
        states: the per-user scoring states (a user's is dropped after each change).
        storage: the open event store.
    """

    def __init__(self, runs: RunLifecycle, states: UserStates, storage: Storage) -> None:
        self.runs = runs
        self.states = states
        self.storage = storage

    def post_events(self, events: Sequence[NewEvent], *, locs: Sequence[tuple[str | int, ...]],
                    all_or_nothing: bool = False, wait: bool = True) -> list[EventResult] | None:
        """Store a batch in one transaction; the users' next lists use the events on items the run knows.

        Events on items the served run does not know (products added after training) are stored too, for the
        next training; their result says ``stored`` rather than ``applied``.

        Args:
            events: the batch.
            locs: where each event is in the request (for the error of an unknown item).
            all_or_nothing: refuse the whole batch, writing nothing, when any item is unknown.
            wait: False: return None at once, writing nothing, when SQLite's write lock is held by another
                writer (an event-loop caller then retries from a thread).

        Returns:
            Per event, in order: its id and whether it was applied or only stored.

        Raises:
            ItemNotFoundError: `all_or_nothing` and an item is not in the served run (nothing is written).
        """
        served = self.runs.served
        item_ids = [e.item_id for e in events]
        found = served.fit.items.indices_of(item_ids, missing="mark") if item_ids else np.zeros(0, np.int32)
        unknown = [i for i in range(len(events)) if found[i] < 0]
        if unknown and all_or_nothing:
            missing = list(dict.fromkeys(item_ids[i] for i in unknown))
            raise ItemNotFoundError(missing, where=f"run {served.path.name}", n_known=served.n_items,
                                    loc=(*locs[unknown[0]], "item_id"))
        ids = self.storage.append_events(list(events)) if wait else self.storage.append_events_now(list(events))
        if ids is None:
            return None
        for user in {e.user_id for e in events}:
            self.states.forget(user)
        return [EventResult(id=i, status=EventOutcome.APPLIED if index >= 0 else EventOutcome.STORED)
                for i, index in zip(ids, found.tolist(), strict=True)]

    def profile(self, user_id: str) -> ProfileOut:
        """The interest tags of the history the model uses for the user."""
        served = self.runs.served
        state = self.states.user_state(user_id, served)
        return ProfileOut(user_id=user_id, personalized=state.personalized, history_size=len(state.history),
                          tags=[ProfileTag(tag=t, weight=w, items=n)
                                for t, w, n in profile_tags(served, state.history)],
                          removed_tags=list(state.removed_tags),
                          hidden_items=list(served.fit.items.ids_of(state.hidden)))

    def remove_tag(self, user_id: str, tag: str) -> ProfileOut:
        """Stop counting the history items that carry `tag` (``category=Comedy``) for this user.

        Raises:
            UnknownIdError: no item of the run carries the tag (the message lists some that do).
        """
        self._check_tag(self.runs.served, tag)
        self.storage.remove_tag(user_id, tag)
        self.states.forget(user_id)
        return self.profile(user_id)

    def restore_tag(self, user_id: str, tag: str) -> ProfileOut:
        """Count the history items that carry `tag` again (undo :meth:`remove_tag`).

        Raises:
            UnknownIdError: no item of the run carries the tag.
        """
        self._check_tag(self.runs.served, tag)
        self.storage.restore_tag(user_id, tag)
        self.states.forget(user_id)
        return self.profile(user_id)

    def _check_tag(self, served: ServedRun, tag: str) -> None:
        if tag not in served.tag_items:
            some = ", ".join(repr(t) for t in sorted(served.tag_items)[:5])
            error = UnknownIdError("tag", [tag], where=f"run {served.path.name}", n_known=len(served.tag_items))
            error.message += f" Tags read attribute=value, e.g. {some}."
            raise error

    def put_settings(self, user_id: str, settings: UserSettings) -> UserSettings:
        """Store the user's settings; the next list follows them."""
        self.storage.put_settings(user_id, settings)
        self.states.forget(user_id)
        return self.storage.settings(user_id)

    def get_settings(self, user_id: str) -> UserSettings:
        """The user's settings (defaults when none were stored)."""
        return self.storage.settings(user_id)

    def erase(self, user_id: str) -> ErasureOut:
        """Delete the user's stored events, settings and removed tags, and this worker's cached state of them
        (other workers drop theirs at the user's next request: the stored version changed)."""
        removed = self.storage.erase_user(user_id)
        self.states.forget(user_id)
        return ErasureOut(user_id=user_id, events=removed["events"], settings=removed["settings"],
                          removed_tags=removed["removed_tags"])


def now_utc() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)
