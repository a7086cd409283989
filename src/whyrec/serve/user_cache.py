"""The per-user scoring states of one worker, cached while the user's version and the run's are unchanged.

Each request reads the user's version from the store; a cached state is reused only while that version and
the run version are unchanged, so an event posted to any worker changes the next list at once.
"""

from __future__ import annotations

from whyrec.serve.cache import LRUCache
from whyrec.serve.served_run import ServedRun
from whyrec.serve.storage import NOT_INTERESTED, Storage
from whyrec.serve.user_state import LiveEvent, UserState, build_user_state

__all__ = ["UserStates"]


class UserStates:
    """An LRU of :class:`UserState` by user, checked against the store's user version at each lookup.

    Args:
        storage: the open event store.
        capacity: users kept (``settings.cache_users``).
        max_bytes: most bytes of all states together (``settings.cache_bytes``).
        state_bytes: most bytes of explanations and rendered bodies in one state (``settings.cache_state_bytes``).

    Attributes:
        cache_hits: lookups answered from the cache.
        cache_misses: lookups that built the state.
    """

    def __init__(self, storage: Storage, capacity: int, *, max_bytes: int | None = None,
                 state_bytes: int | None = None) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
        self.state_bytes = state_bytes
        self._states: LRUCache[str, UserState] = LRUCache(capacity, max_bytes=max_bytes,
                                                          sizeof=lambda s: s.nbytes)
        self.cache_hits = 0
        self.cache_misses = 0

    def user_state(self, user_id: str, served: ServedRun, *, exact: bool = True) -> UserState:
        """The user's scoring state under `served`, rebuilt only when their version or the run changed.

        Args:
            exact: False: the state may rank only the best items found in the run's item index
                (``UserState.retrieval``); True: every allowed item is ranked.
        """
        version = self.storage.user_version(user_id)
        cached = self._states.get(user_id)
        if cached is not None and cached.user_version == version and cached.run_version == served.version:
            self.cache_hits += 1
            return cached.exact(served) if exact else cached
        self.cache_misses += 1
        events = [LiveEvent(e.item_id, e.event_type, e.value, int(e.timestamp.timestamp()))
                  for e in self.storage.events_of(user_id)]
        settings = self.storage.settings(user_id)
        # the store's hidden_items() is this same set; reading it from the events saves a query
        hidden = {e.item_id for e in events if e.event_type == NOT_INTERESTED}
        state = build_user_state(served, user_id, version, events, personalized=settings.personalization,
                                 removed_tags=list(self.storage.removed_tags(user_id)), hidden_ids=hidden,
                                 exact=exact)
        self._states.put(user_id, state)
        return state

    def account(self, state: UserState) -> None:
        """Measure `state` again after a request added explanations or bodies to it (trimming them past
        `state_bytes`), evicting the least recently used states past `max_bytes`."""
        if self.state_bytes is not None:
            state.trim(self.state_bytes)
        self._states.resize(state.user_id)

    @property
    def bytes_used(self) -> int:
        """Bytes of the cached states, as last measured."""
        return self._states.bytes_used

    @property
    def entries(self) -> int:
        """States cached."""
        return len(self._states)

    @property
    def evictions(self) -> int:
        """States dropped to stay within the bounds."""
        return self._states.evictions

    def forget(self, user_id: str) -> None:
        """Drop the user's state (after a change this worker made to their stored data)."""
        self._states.pop(user_id)

    def clear(self) -> None:
        """Drop every state (after a run swap)."""
        self._states.clear()
