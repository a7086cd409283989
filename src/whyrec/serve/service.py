"""The recommendation service of one worker process: its parts, wired together.

Framework-free: the FastAPI routes call the parts, and tests can too. The state shared between workers lives
in the store (events, settings, the active run), so any worker answers any request.

============  =====================================================================================
``runs``      :class:`~whyrec.serve.lifecycle.RunLifecycle`: the served run, hot reload, following other workers
``states``    :class:`~whyrec.serve.user_cache.UserStates`: per-user scoring states, cached by version
``lists``     :class:`~whyrec.serve.lists.RecommendationLists`: top-k lists and one item's explanation
``feedback``  :class:`~whyrec.serve.feedback.Feedback`: events, profile, removed tags, settings, erasure
``items``     :class:`~whyrec.serve.similar.SimilarItems`: items like an item
============  =====================================================================================
"""

from __future__ import annotations

from whyrec.serve.explanations import Explanations
from whyrec.serve.feedback import Feedback
from whyrec.serve.lifecycle import RunLifecycle
from whyrec.serve.lists import RecommendationLists
from whyrec.serve.settings import ServeSettings
from whyrec.serve.similar import SimilarItems
from whyrec.serve.storage import Storage
from whyrec.serve.user_cache import UserStates

__all__ = ["RecommendationService"]


class RecommendationService:
    """Recommendations, explanations and feedback for one worker process.

    Args:
        settings: the service settings.
        storage: the open event store (shared by every worker).
    """

    def __init__(self, settings: ServeSettings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        self.states = UserStates(storage, settings.cache_users, max_bytes=settings.cache_bytes,
                                 state_bytes=settings.cache_state_bytes)
        self.runs = RunLifecycle(settings, storage, on_swap=self._run_swapped)
        self.items = SimilarItems(self.runs)
        self.lists = RecommendationLists(self.runs, self.states, Explanations(settings))
        self.feedback = Feedback(self.runs, self.states, storage)

    def _run_swapped(self) -> None:
        self.states.clear()
        self.items.clear()
