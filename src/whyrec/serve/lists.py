"""A user's recommendation list and the explanation of one item for a user.

The live loop: a user's history is their training history in the run (for users the model knows) plus the
events posted to the service, weighed like the training data (``rating`` by its value, ``purchase`` 5, ...);
:class:`~whyrec.serve.user_cache.UserStates` keeps the ranking it gives until either changes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from whyrec.data.filters import ItemFilter
from whyrec.explain.explanation import Explanation, Lang
from whyrec.explain.signal import FALLBACK_POPULARITY, has_signal, no_signal_reason
from whyrec.serve.explanations import Explanations
from whyrec.serve.lifecycle import RunLifecycle
from whyrec.serve.schemas import RecommendationOut, RecommendationsOut
from whyrec.serve.served_run import ServedRun
from whyrec.serve.user_cache import UserStates
from whyrec.serve.user_state import UserState

__all__ = ["RecommendationLists"]

#: The filter that lets every item through.
NO_FILTER = ItemFilter()
#: Rendered responses kept per user state (distinct k / explain / method / lang combinations).
_MAX_RENDERED = 32


class RecommendationLists:
    """Users' top-k lists, with explanations when asked.

    Args:
        runs: the served run.
        states: the per-user scoring states.
        explanations: how items are explained.
    """

    def __init__(self, runs: RunLifecycle, states: UserStates, explanations: Explanations) -> None:
        self.runs = runs
        self.states = states
        self.explanations = explanations

    def recommend(self, user_id: str, *, k: int, explain: bool = False, method: str | None = None,
                  lang: Lang = Lang.EN, item_filter: ItemFilter = NO_FILTER) -> RecommendationsOut:
        """The user's top-k among the items `item_filter` allows, with explanations when asked.

        Raises:
            ConfigError: `method` is not offered, or cannot explain this model; a filter names a column the
                catalog lacks.
        """
        served = self.runs.served
        state = self.states.user_state(user_id, served, exact=False)
        found = self._recommend(served, state, k, explain, method, lang, item_filter)
        self.states.account(state)
        return found

    def recommend_rendered(self, user_id: str, *, k: int, explain: bool, method: str | None, lang: Lang,
                           render: Callable[[RecommendationsOut], bytes],
                           item_filter: ItemFilter = NO_FILTER) -> bytes:
        """:meth:`recommend`, rendered by `render` and kept with the user's state until it changes.

        The hot path of the API: a repeated request costs one version lookup in the store.
        """
        served = self.runs.served
        state = self.states.user_state(user_id, served, exact=False)
        key = (k, explain, method, lang, item_filter.key)
        body = state.rendered.get(key)
        if body is None:
            body = render(self._recommend(served, state, k, explain, method, lang, item_filter))
            if len(state.rendered) >= _MAX_RENDERED:
                state.rendered.clear()
            state.rendered[key] = body
            self.states.account(state)
        return body

    def _recommend(self, served: ServedRun, state: UserState, k: int, explain: bool, method: str | None,
                   lang: Lang, item_filter: ItemFilter) -> RecommendationsOut:
        ranking = item_filter.allows(state.ranking, served.fit.catalog, served.fit.items)
        fallback = state.uses_model and not has_signal(state.scores[ranking], k)
        if state.retrieval == "approximate" and (fallback or len(ranking) < k):
            # too few items left after the filter, or no signal among them: rank them all
            state = state.exact(served)
            ranking = item_filter.allows(state.ranking, served.fit.catalog, served.fit.items)
            fallback = state.uses_model and not has_signal(state.scores[ranking], k)
        scores = served.popularity if fallback else state.scores
        # without signal, by popularity (the ranking's own tie-break, applied to the whole list)
        items = (ranking[np.argsort(-served.popularity[ranking], kind="stable")] if fallback else ranking)[:k]
        explanations: list[Explanation | None] = [None] * len(items)
        if explain:
            explanations = list(self.explanations.explain(served, state.exact(served), items, method, k, lang,
                                                          by_popularity=fallback))
        entries = [RecommendationOut(item_id=served.fit.items.id_of(int(i)), title=served.fit.catalog.label(int(i)),
                                     rank=r + 1, score=float(scores[i]), explanation=e)
                   for r, (i, e) in enumerate(zip(items.tolist(), explanations, strict=True))]
        return RecommendationsOut(user_id=state.user_id,
                                  model=served.model_name if state.uses_model and not fallback else "pop",
                                  run_version=served.version, personalized=state.personalized,
                                  cold_start=state.cold_start, history_size=len(state.history),
                                  fallback=FALLBACK_POPULARITY if fallback else None,
                                  fallback_reason=no_signal_reason(k, lang) if fallback else None,
                                  retrieval=state.retrieval, items=entries)

    def explain_item(self, user_id: str, item_id: str, *, method: str | None = None, k: int = 10,
                     lang: Lang = Lang.EN) -> Explanation:
        """Why `item_id` scores as it does for the user (its rank is 0 when it cannot be recommended).

        Raises:
            ItemNotFoundError: the run does not know the item.
        """
        served = self.runs.served
        item = served.item_index(item_id, loc=("path", "item_id"))
        state = self.states.user_state(user_id, served)
        (explanation,) = self.explanations.explain(served, state, np.asarray([item], dtype=np.int32), method, k,
                                                   lang)
        self.states.account(state)
        return explanation
