"""The run a worker serves: the fitted model plus everything precomputed once per run (popularity, tags)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.data.schema import EventWeights
from whyrec.errors import ItemNotFoundError
from whyrec.models.base import BaseRecommender
from whyrec.runs import Run, load_run
from whyrec.serve.storage import NOT_INTERESTED  # hides an item from one user; adds nothing to the history

__all__ = ["NOT_INTERESTED", "RATING", "ServedRun", "load_served_run"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: The event whose weight is its value.
RATING = "rating"


@dataclass(eq=False)
class ServedRun:
    """A loaded run, ready to answer requests; immutable once built, so a swap is one reference assignment.

    Attributes:
        path: the run directory.
        version: the service-wide version of this swap (bumped by every reload).
        run: the loaded run.
        fit: the data the model was fitted on (training histories, ids, catalog).
        candidates: (n,) int32 items that may be recommended (those with an event in `fit`).
        popularity: (n_items,) float32 distinct users per item in `fit`.
        weights: how much each event kind counts (the run's data settings).
        tag_items: tag (``category=Comedy``) -> (n,) int32 items that carry it.
        item_tags: per item, the tags it carries.
        loaded_s: seconds the load took.
    """

    path: Path
    version: int
    run: Run
    fit: Dataset
    candidates: IndexArray
    popularity: FloatArray
    weights: EventWeights
    tag_items: dict[str, IndexArray]
    item_tags: tuple[tuple[str, ...], ...]
    loaded_s: float = 0.0
    _by_item: sp.csc_array | None = field(default=None, repr=False)
    _extras: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def model(self) -> BaseRecommender[Any]:
        """The fitted model."""
        return self.run.model

    @property
    def model_name(self) -> str:
        """The model's registry name."""
        return self.run.meta.model

    @property
    def n_items(self) -> int:
        """Size of the item-index space."""
        return self.fit.n_items

    def item_index(self, item_id: str, *, loc: tuple[str | int, ...] = ("path", "item_id")) -> int:
        """The index of an item of this run.

        Args:
            item_id: the item's id.
            loc: where the id is in the request (for the error).

        Raises:
            ItemNotFoundError: the run does not know the item (the message names it and the run).
        """
        index = self.fit.items.indices_of([item_id], missing="mark")[0]
        if index < 0:
            raise ItemNotFoundError([item_id], where=f"run {self.path.name}", n_known=self.n_items, loc=loc)
        return int(index)

    def knows_user(self, user_id: str) -> bool:
        """Whether the user has a training history in this run."""
        if user_id not in self.fit.users:
            return False
        index = self.fit.users.index_of(user_id)
        return bool(self.fit.user_indptr[index + 1] > self.fit.user_indptr[index])

    def training_history(self, user_id: str) -> History | None:
        """The user's training history, or None for a user the model never saw."""
        return self.fit.history(user_id) if self.knows_user(user_id) else None

    def event_weight(self, event_type: str, value: float | None) -> float:
        """How much one event counts in a history (0 for ``not_interested``; a rating weighs its value)."""
        if event_type == NOT_INTERESTED:
            return 0.0
        if event_type == RATING:
            return float(value) if value is not None and math.isfinite(value) and value > 0 else 0.0
        return self.weights.weight_of(event_type)

    @property
    def by_item(self) -> sp.csc_array:
        """(n_users, n_items) binary interactions of `fit`, by column (for co-interaction counts)."""
        if self._by_item is None:
            binary = self.fit.interactions.copy()
            binary.data[:] = 1.0
            self._by_item = sp.csc_array(binary)
        return self._by_item

    def co_counts(self, item: int) -> np.ndarray:
        """(n_items,) number of training users who interacted with both `item` and each item."""
        column = self.by_item
        users = column.indices[column.indptr[item]:column.indptr[item + 1]]
        if len(users) == 0:
            return np.zeros(self.n_items, dtype=np.int64)
        rows = self.fit.interactions[users]
        return np.bincount(rows.indices, minlength=self.n_items).astype(np.int64)

    def extra(self, name: str, build: Callable[[], T]) -> T:
        """A lazily built per-run object (the KG, the text domain), built once under a lock."""
        with self._lock:
            if name not in self._extras:
                self._extras[name] = build()
            value: T = self._extras[name]
            return value


def load_served_run(path: str | Path, version: int) -> ServedRun:
    """Load a run directory and precompute what every request needs.

    Raises:
        ConfigError: `path` is not a run directory.
        IncompatibleRunError: the run's data no longer matches its fingerprint.
    """
    started = time.perf_counter()
    run = load_run(path)
    fit = run.fit_data
    popularity = fit.item_user_counts.astype(np.float32)
    tag_lists: dict[str, list[int]] = defaultdict(list)
    item_tags: list[tuple[str, ...]] = []
    categorical = fit.catalog.attributes.categorical
    for index in range(fit.n_items):
        tags = tuple(f"{name}={value}" for name, values in categorical.items() for value in values[index])
        item_tags.append(tags)
        for tag in tags:
            tag_lists[tag].append(index)
    served = ServedRun(
        path=Path(path), version=version, run=run, fit=fit, candidates=fit.active_items, popularity=popularity,
        weights=run.meta.data.weights, tag_items={t: np.asarray(v, dtype=np.int32) for t, v in tag_lists.items()},
        item_tags=tuple(item_tags),
    )
    served.loaded_s = time.perf_counter() - started
    logger.info("loaded %s run %s (version %d) in %.2f s", run.meta.model, path, version, served.loaded_s)
    return served
