"""The recommendation service core: live histories, per-user caches, explanations, hot reload.

Framework-free: the FastAPI routes call it, and tests can too. One instance per worker process; the state
shared between workers lives in the store (events, settings, the active run), so any worker answers any
request.

The live loop: a user's history is their training history in the run (for users the model knows) plus the
events posted to the service, weighed like the training data (``rating`` by its value, ``purchase`` 5, ...).
Each request reads the user's version from the store; a cached scoring state is reused only while that
version and the run version are unchanged, so an event posted to any worker changes the next list at once.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from whyrec.data.history import History, HistoryBatch
from whyrec.errors import (
    ConfigError,
    IncompatibleRunError,
    ItemNotFoundError,
    UnknownIdError,
    UnsupportedModelError,
    WhyrecError,
)
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang
from whyrec.serve.cache import LRUCache
from whyrec.serve.served_run import ServedRun, load_served_run
from whyrec.serve.settings import ServeSettings
from whyrec.serve.storage import NOT_INTERESTED, NewEvent, Storage, UserSettings
from whyrec.serve.user_state import LiveEvent, UserState, build_user_state, profile_tags

__all__ = [
    "ACTIVE_RUN_KEY",
    "API_METHODS",
    "ItemNotFoundError",
    "Profile",
    "Recommendation",
    "RecommendationList",
    "RecommendationService",
    "SimilarItem",
    "publish_run",
]

logger = logging.getLogger(__name__)

#: Store key of the active run ({"run_dir": ..., "version": ...}), read by every worker.
ACTIVE_RUN_KEY = "active_run"
#: Rendered responses kept per user state (distinct k / explain / method / lang combinations).
_MAX_RENDERED = 32
#: Explanation methods the API offers (the others take seconds per list).
API_METHODS = ("exact", "counterfactual", "attribute", "kg")


@dataclass(frozen=True)
class Recommendation:
    """One entry of a list."""

    item_id: str
    title: str
    rank: int
    score: float
    explanation: Explanation | None


@dataclass(frozen=True)
class RecommendationList:
    """A user's list and how it was made."""

    user_id: str
    model: str
    run_version: int
    personalized: bool
    cold_start: bool
    history_size: int
    items: list[Recommendation]


@dataclass(frozen=True)
class SimilarItem:
    """An item like another, with the reason."""

    item_id: str
    title: str
    rank: int
    score: float
    shared_attributes: tuple[str, ...]
    co_interactions: int


@dataclass(frozen=True)
class Profile:
    """Interest tags of the history the model uses for a user."""

    user_id: str
    tags: list[tuple[str, float, int]]
    removed_tags: tuple[str, ...]
    personalized: bool
    history_size: int
    hidden_items: tuple[str, ...]


class RecommendationService:
    """Recommendations, explanations and feedback for one worker process.

    Args:
        settings: the service settings.
        storage: the open event store (shared by every worker).
    """

    def __init__(self, settings: ServeSettings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        self._served: ServedRun | None = None
        self._states: LRUCache[str, UserState] = LRUCache(settings.cache_users)
        self._similar: LRUCache[tuple[int, int], list[SimilarItem]] = LRUCache(2048)
        self._reload_lock = threading.Lock()
        self._loading_version: int | None = None
        self._failed_version: int | None = None
        self._checked_at = 0.0
        self._text = _find_text()
        self.cache_hits = 0
        self.cache_misses = 0

    # --- the served run -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the run: publish `settings.run_dir` as the active run, or adopt the one already published.

        Raises:
            ConfigError: the run directory is not a run.
        """
        active = self._active_run()
        if self.settings.publish_run or active is None:
            version = (active[1] if active else 0) + 1
            served = load_served_run(self.settings.run_dir, version)
            self._publish(served)
        else:
            served = load_served_run(active[0], active[1])
        self._served = served
        self._checked_at = time.monotonic()

    @property
    def current(self) -> ServedRun | None:
        """The run serving now, without looking for a newer one (None before `start`)."""
        return self._served

    @property
    def ready(self) -> bool:
        """Whether a run is loaded."""
        return self._served is not None

    @property
    def served(self) -> ServedRun:
        """The run serving now (after following a swap made by another worker, checked every few seconds)."""
        self._follow()
        if self._served is None:
            raise ConfigError("the service has no run loaded yet; wait for /readyz.")
        return self._served

    def reload(self, run_dir: str | Path | None = None) -> ServedRun:
        """Load a run (default: the active one again) and swap it in; requests in flight finish on the old one.

        The new run and its version are recorded in the store, and every other worker adopts them on its next
        check (at most `settings.reload_check_s` later).

        Raises:
            ConfigError: `run_dir` is not a run directory, or its data no longer matches it (``field`` is
                ``run_dir``); the old run keeps serving.
        """
        with self._reload_lock:
            active = self._active_run()
            path = Path(run_dir) if run_dir is not None else (self._served.path if self._served else
                                                              self.settings.run_dir)
            current = max(active[1] if active else 0, self._served.version if self._served else 0)
            try:
                served = load_served_run(path, current + 1)
            except (ConfigError, IncompatibleRunError) as e:
                raise ConfigError(str(e), source="run_dir", field="run_dir") from e
            except WhyrecError:
                raise
            except (OSError, ValueError) as e:  # unreadable files, a path with a NUL byte...
                raise ConfigError(f"cannot load run {str(path)!r}: {e}. Give a run directory made by "
                                  "`whyrec train --out DIR`.", source="run_dir", field="run_dir") from e
            self._publish(served)
            self._served = served
            self._states.clear()
            self._similar.clear()
            return served

    def _publish(self, served: ServedRun) -> None:
        self.storage.set_state(ACTIVE_RUN_KEY, json.dumps({"run_dir": str(served.path.resolve()),
                                                           "version": served.version}))

    def _active_run(self) -> tuple[str, int] | None:
        raw = self.storage.get_state(ACTIVE_RUN_KEY)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return str(data["run_dir"]), int(data["version"])
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring unreadable %s state %r", ACTIVE_RUN_KEY, raw)
            return None

    def _follow(self) -> None:
        """Adopt a run published by another worker; loads in a background thread, so no request waits."""
        now = time.monotonic()
        if now - self._checked_at < self.settings.reload_check_s:
            return
        self._checked_at = now
        try:
            active = self._active_run()
        except WhyrecError:
            logger.exception("could not read the active run from the store")
            return
        current = self._served.version if self._served else 0
        if active is None or active[1] <= current or active[1] in (self._loading_version, self._failed_version):
            return
        self._loading_version = active[1]
        threading.Thread(target=self._adopt, args=active, name="whyrec-reload", daemon=True).start()

    def _adopt(self, run_dir: str, version: int) -> None:
        try:
            served = load_served_run(run_dir, version)
        except Exception:
            logger.exception("could not load run %s (version %d) published by another worker", run_dir, version)
            self._failed_version = version
            return
        finally:
            self._loading_version = None
        with self._reload_lock:
            if self._served is None or version > self._served.version:
                self._served = served
                self._states.clear()
                self._similar.clear()

    def wait_for_version(self, version: int, timeout_s: float = 30.0) -> bool:
        """Block until this worker serves `version` (for tests and scripts); True when it does."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._checked_at = 0.0
            served = self.served
            if served.version >= version:
                return True
            time.sleep(0.05)
        return False

    # --- users ----------------------------------------------------------------------------------------------

    def user_state(self, user_id: str, served: ServedRun | None = None) -> UserState:
        """The user's scoring state under `served` (default: the current run), rebuilt only when their version
        or the run changed."""
        served = served or self.served
        version = self.storage.user_version(user_id)
        cached = self._states.get(user_id)
        if cached is not None and cached.user_version == version and cached.run_version == served.version:
            self.cache_hits += 1
            return cached
        self.cache_misses += 1
        events = [LiveEvent(e.item_id, e.event_type, e.value, int(e.timestamp.timestamp()))
                  for e in self.storage.events_of(user_id)]
        settings = self.storage.settings(user_id)
        # the store's hidden_items() is this same set; reading it from the events saves a query
        hidden = {e.item_id for e in events if e.event_type == NOT_INTERESTED}
        state = build_user_state(served, user_id, version, events, personalized=settings.personalization,
                                 removed_tags=list(self.storage.removed_tags(user_id)), hidden_ids=hidden)
        self._states.put(user_id, state)
        return state

    def recommend(self, user_id: str, *, k: int, explain: bool = False, method: str | None = None,
                  lang: Lang = Lang.EN) -> RecommendationList:
        """The user's top-k, with explanations when asked.

        Raises:
            ConfigError: `method` is not offered, or cannot explain this model.
        """
        served = self.served
        return self._recommend(served, self.user_state(user_id, served), k, explain, method, lang)

    def recommend_rendered(self, user_id: str, *, k: int, explain: bool, method: str | None, lang: Lang,
                           render: Callable[[RecommendationList], bytes]) -> bytes:
        """:meth:`recommend`, rendered by `render` and kept with the user's state until it changes.

        The hot path of the API: a repeated request costs one version lookup in the store.
        """
        served = self.served
        state = self.user_state(user_id, served)
        key = (k, explain, method, lang)
        body = state.rendered.get(key)
        if body is None:
            body = render(self._recommend(served, state, k, explain, method, lang))
            if len(state.rendered) >= _MAX_RENDERED:
                state.rendered.clear()
            state.rendered[key] = body
        return body

    def _recommend(self, served: ServedRun, state: UserState, k: int, explain: bool, method: str | None,
                   lang: Lang) -> RecommendationList:
        items = state.ranking[:k]
        explanations: list[Explanation | None] = [None] * len(items)
        if explain:
            explanations = list(self._explain(served, state, items, method, k, lang))
        entries = [Recommendation(item_id=served.fit.items.id_of(int(i)), title=served.fit.catalog.label(int(i)),
                                  rank=r + 1, score=float(state.scores[i]), explanation=e)
                   for r, (i, e) in enumerate(zip(items.tolist(), explanations, strict=True))]
        return RecommendationList(user_id=state.user_id, model=served.model_name, run_version=served.version,
                                  personalized=state.personalized, cold_start=state.cold_start,
                                  history_size=len(state.history), items=entries)

    def explain_item(self, user_id: str, item_id: str, *, method: str | None = None, k: int = 10,
                     lang: Lang = Lang.EN) -> Explanation:
        """Why `item_id` scores as it does for the user (its rank is 0 when it cannot be recommended).

        Raises:
            ItemNotFoundError: the run does not know the item.
        """
        served = self.served
        item = self._item(served, item_id, loc=("path", "item_id"))
        state = self.user_state(user_id, served)
        (explanation,) = self._explain(served, state, np.asarray([item], dtype=np.int32), method, k, lang)
        return explanation

    def _explain(self, served: ServedRun, state: UserState, items: np.ndarray, method: str | None, k: int,
                 lang: Lang) -> list[Explanation]:
        if not state.uses_model:
            chosen = "popularity"
        else:
            chosen = method or ("exact" if served.is_additive else "counterfactual")
            if chosen not in API_METHODS:
                raise ConfigError(f"method {chosen!r} is not offered by the service; valid methods: "
                                  f"{', '.join(API_METHODS)}.", field="method", allowed=API_METHODS)
        missing = [int(i) for i in items if (chosen, k, int(i), lang) not in state.explanations]
        if missing:
            if chosen == "popularity":
                made = [self._popularity_explanation(served, state, i) for i in missing]
            else:
                explainer = self._explainer(served, state, chosen, k)
                if not explainer.supports(served.model):
                    raise UnsupportedModelError(chosen, served.model_name, "exact contributions (AdditiveScorer)")
                made = explainer.explain(served.model, state.history, np.asarray(missing, dtype=np.int32),
                                         state.scored(served))
            for item, explanation in zip(missing, made, strict=True):
                state.explanations[(chosen, k, item, lang)] = self._with_reason(served, explanation, lang)
        return [state.explanations[(chosen, k, int(i), lang)] for i in items]

    def _explainer(self, served: ServedRun, state: UserState, method: str, k: int) -> Any:
        from whyrec.explain.attributes import AttributeExplainer
        from whyrec.explain.counterfactual import CounterfactualExplainer
        from whyrec.explain.exact import ExactExplainer
        from whyrec.explain.kg import KGExplainer, load_ml100k_kg

        top_n, allowed = self.settings.evidence, state.allowed(served)
        if method == "exact":
            return ExactExplainer(served.fit, top_n=top_n, candidates=allowed)
        if method == "counterfactual":
            return CounterfactualExplainer(served.fit, k=k, top_n=top_n, candidates=allowed)
        if method == "attribute":
            return AttributeExplainer(served.fit, top_n=top_n, candidates=allowed)
        if not served.fit.name.startswith("ml-100k"):
            raise ConfigError(f"method 'kg' needs a knowledge graph; whyrec ships one for ml-100k only, not for "
                              f"{served.fit.name!r}.", field="method", allowed=API_METHODS)
        graph = served.extra("kg", load_ml100k_kg)
        return KGExplainer(served.fit, graph, top_n=top_n, candidates=allowed)

    def _popularity_explanation(self, served: ServedRun, state: UserState, item: int) -> Explanation:
        count = float(served.popularity[item])
        evidence = Evidence(kind=EvidenceKind.POPULARITY, ref="popularity",
                            label=f"{int(count):,} shoppers interacted with it", weight=count, share=1.0 if count else 0.0)
        explanation = Explanation(user_id=state.user_id, item_id=served.fit.items.id_of(item), score=count,
                                  rank=int(state.ranks[item]), model="pop", method=ExplainMethod.POPULARITY,
                                  evidence=(evidence,), complete=True)
        return explanation

    def _with_reason(self, served: ServedRun, explanation: Explanation, lang: Lang) -> Explanation:
        text = self._text
        if text is None or not hasattr(text, "realize"):
            return explanation
        catalog = served.fit.catalog
        try:
            domain = served.extra("domain", lambda: text.infer_domain(catalog)) if hasattr(text, "infer_domain") \
                else None
            reason = text.realize(explanation, catalog, lang, domain=domain)
        except Exception:  # a text bug must not cost the user their list: the reason stays null, and is logged
            logger.exception("realize() failed for item %s", explanation.item_id)
            return explanation
        return explanation.model_copy(update={"reason": reason})

    # --- feedback -------------------------------------------------------------------------------------------

    def post_events(self, events: Sequence[NewEvent], *, locs: Sequence[tuple[str | int, ...]]) -> list[int]:
        """Store a batch, all or nothing; the users' next lists use it.

        Args:
            events: the batch.
            locs: where each event is in the request (for the error of an unknown item).

        Raises:
            ItemNotFoundError: an item is not in the served run (nothing is written).
        """
        served = self.served
        item_ids = [e.item_id for e in events]
        found = served.fit.items.indices_of(item_ids, missing="mark") if item_ids else np.zeros(0, np.int32)
        unknown = [i for i in range(len(events)) if found[i] < 0]
        if unknown:
            ids = list(dict.fromkeys(item_ids[i] for i in unknown))
            raise ItemNotFoundError(ids, where=f"run {served.path.name}", n_known=served.n_items,
                                    loc=(*locs[unknown[0]], "item_id"))
        ids = self.storage.append_events(list(events))
        for user in {e.user_id for e in events}:
            self._states.pop(user)
        return list(ids)

    def profile(self, user_id: str) -> Profile:
        """The interest tags of the history the model uses for the user."""
        served = self.served
        state = self.user_state(user_id, served)
        return Profile(user_id=user_id, tags=profile_tags(served, state.history), removed_tags=state.removed_tags,
                       personalized=state.personalized, history_size=len(state.history),
                       hidden_items=tuple(served.fit.items.ids_of(state.hidden)))

    def remove_tag(self, user_id: str, tag: str) -> Profile:
        """Stop counting the history items that carry `tag` (``category=Comedy``) for this user.

        Raises:
            UnknownIdError: no item of the run carries the tag (the message lists some that do).
        """
        self._check_tag(self.served, tag)
        self.storage.remove_tag(user_id, tag)
        self._states.pop(user_id)
        return self.profile(user_id)

    def restore_tag(self, user_id: str, tag: str) -> Profile:
        """Count the history items that carry `tag` again (undo :meth:`remove_tag`).

        Raises:
            UnknownIdError: no item of the run carries the tag.
        """
        self._check_tag(self.served, tag)
        self.storage.restore_tag(user_id, tag)
        self._states.pop(user_id)
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
        self._states.pop(user_id)
        return self.storage.settings(user_id)

    def get_settings(self, user_id: str) -> UserSettings:
        """The user's settings (defaults when none were stored)."""
        return self.storage.settings(user_id)

    def erase(self, user_id: str) -> None:
        """Delete the user's stored events, settings and removed tags."""
        self.storage.delete_user(user_id)
        self._states.pop(user_id)

    # --- items ----------------------------------------------------------------------------------------------

    def similar(self, item_id: str, *, k: int) -> list[SimilarItem]:
        """Items the model scores highest for a history of `item_id` alone, with shared attributes and the
        number of training users who interacted with both.

        Raises:
            ItemNotFoundError: the run does not know the item.
        """
        served = self.served
        item = self._item(served, item_id, loc=("path", "item_id"))
        key = (served.version, item)
        cached = self._similar.get(key)
        if cached is None or len(cached) < k:
            cached = self._similar_items(served, item, max(k, 20))
            self._similar.put(key, cached)
        return cached[:k]

    def _similar_items(self, served: ServedRun, item: int, k: int) -> list[SimilarItem]:
        scores = served.model.score(HistoryBatch.from_histories([History.of_items([item])], served.n_items))[0]
        co = served.co_counts(item)
        allowed = served.candidates[served.candidates != item]
        key = np.where(np.isfinite(scores[allowed]), scores[allowed], -np.inf)
        order = np.lexsort((allowed, -co[allowed], -key))[:k]
        mine = set(served.item_tags[item])
        out = []
        for rank, j in enumerate(allowed[order].tolist()):
            shared = tuple(t for t in served.item_tags[j] if t in mine)
            out.append(SimilarItem(item_id=served.fit.items.id_of(j), title=served.fit.catalog.label(j), rank=rank + 1,
                                   score=float(scores[j]), shared_attributes=shared, co_interactions=int(co[j])))
        return out

    def _item(self, served: ServedRun, item_id: str, *, loc: tuple[str | int, ...]) -> int:
        index = served.fit.items.indices_of([item_id], missing="mark")[0]
        if index < 0:
            raise ItemNotFoundError([item_id], where=f"run {served.path.name}", n_known=served.n_items, loc=loc)
        return int(index)


def publish_run(storage: Storage, run_dir: str | Path) -> int:
    """Record `run_dir` as the active run under a new version, without loading it; returns the version.

    ``whyrec serve --workers N`` calls it once in the parent process, and every worker adopts that run.
    """
    raw = storage.get_state(ACTIVE_RUN_KEY)
    try:
        version = int(json.loads(raw)["version"]) + 1 if raw else 1
    except (ValueError, KeyError, TypeError):
        version = 1
    storage.set_state(ACTIVE_RUN_KEY, json.dumps({"run_dir": str(Path(run_dir).resolve()), "version": version}))
    return version


def now_utc() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def _find_text() -> Any:
    """The module :mod:`whyrec.explain.text` (``realize`` renders `Explanation.reason`), or None without it."""
    try:
        return importlib.import_module("whyrec.explain.text")
    except ImportError:
        return None
