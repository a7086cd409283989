"""The run a worker serves: the fitted model plus everything precomputed once per run (popularity, tags)."""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.data.schema import EventWeights
from whyrec.errors import ConfigError, IncompatibleRunError, ItemNotFoundError
from whyrec.models.base import BaseRecommender
from whyrec.retrieval import RetrievalConfig, Retriever, retriever_for
from whyrec.runs import ARRAYS_FILE, META_FILE, Run, load_run
from whyrec.serve.storage import NOT_INTERESTED  # hides an item from one user; adds nothing to the history

__all__ = ["NOT_INTERESTED", "RATING", "ServedRun", "catalog_tags", "load_served_run", "run_hash", "validate_model"]

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
        content_hash: SHA-256 of the run's arrays.npz and meta.json (:func:`run_hash`), its identity.
        retrieval: how lists are retrieved (the ``ann`` settings).
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
    content_hash: str = ""
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
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

    @property
    def retriever(self) -> Retriever | None:
        """The item index lists are retrieved from (None: lists are exact); read from or built in ``RUN/ann``."""
        return self.extra("retriever", lambda: retriever_for(self.model, self.n_items, self.retrieval,
                                                             run_dir=self.path))

    def extra(self, name: str, build: Callable[[], T]) -> T:
        """A lazily built per-run object (the KG, the text domain), built once under a lock."""
        with self._lock:
            if name not in self._extras:
                self._extras[name] = build()
            value: T = self._extras[name]
            return value


def catalog_tags(fit: Dataset) -> tuple[dict[str, IndexArray], tuple[tuple[str, ...], ...]]:
    """The catalog's tags (``category=Comedy``): tag -> items that carry it, and per item its tags."""
    tag_lists: dict[str, list[int]] = defaultdict(list)
    item_tags: list[tuple[str, ...]] = []
    categorical = fit.catalog.attributes.categorical
    for index in range(fit.n_items):
        tags = tuple(f"{name}={value}" for name, values in categorical.items() for value in values[index])
        item_tags.append(tags)
        for tag in tags:
            tag_lists[tag].append(index)
    return {t: np.asarray(v, dtype=np.int32) for t, v in tag_lists.items()}, tuple(item_tags)


def run_hash(path: str | Path) -> str:
    """SHA-256 of a run directory's ``meta.json`` and ``arrays.npz``: what identifies the run's content.

    Raises:
        ConfigError: the files cannot be read.
    """
    digest = hashlib.sha256()
    for name in (META_FILE, ARRAYS_FILE):
        try:
            with open(Path(path) / name, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        except OSError as e:
            raise ConfigError(f"{Path(path).name!r} is not a run directory: cannot read {name} "
                              f"({e.strerror or type(e).__name__}). Give a run directory made by `whyrec train "
                              "--out DIR`.", source="run_dir", field="run_dir") from None
        digest.update(b"\0")
    return digest.hexdigest()


def validate_model(run: Run, n_items: int) -> None:
    """Check a loaded model before it serves: numeric (or text: ids and names), finite arrays, and scores of the
    right shape.

    Raises:
        ConfigError: an array is neither numbers nor text, or has NaN/inf, or scoring a one-item history fails
            or gives another shape than (1, n_items) or NaN scores (the reason is in the message).
    """
    name = Path(run.path).name
    for key, array in run.model.state().items():
        array = np.asarray(array)
        if array.dtype.kind not in "biufU":  # DeepFM keeps its user ids and field names as text
            raise ConfigError(f"run {name!r}: array {key!r} has dtype {array.dtype}; expected numbers or text.",
                              source="run_dir", field="run_dir")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            bad = int((~np.isfinite(array)).sum())
            raise ConfigError(f"run {name!r}: array {key!r} has {bad:,} NaN or infinite values; retrain the run.",
                              source="run_dir", field="run_dir")
    try:
        scores = np.asarray(run.model.score(HistoryBatch.from_histories([History.of_items([0])], n_items)))
    except Exception as e:  # any failure here would fail every personalised request
        raise ConfigError(f"run {name!r}: the model cannot score a history ({type(e).__name__}: {e}); its arrays "
                          "do not match its metadata.", source="run_dir", field="run_dir") from None
    if scores.shape != (1, n_items):
        raise ConfigError(f"run {name!r}: the model scores {scores.shape} for one history; expected (1, {n_items}) "
                          "(arrays of the wrong shape).", source="run_dir", field="run_dir")
    if np.isnan(scores).any():
        raise ConfigError(f"run {name!r}: the model gives NaN scores; retrain the run.", source="run_dir",
                          field="run_dir")


def load_served_run(path: str | Path, version: int, retrieval: RetrievalConfig | None = None) -> ServedRun:
    """Load a run directory, check it (:func:`validate_model`) and precompute what every request needs
    (the item index too, when `retrieval` asks for approximate lists).

    The arrays are read into memory, so the folder may be deleted or overwritten while the run serves.

    Raises:
        ConfigError: `path` is not a run directory, its files are unreadable or truncated, or the model fails
            :func:`validate_model`.
        IncompatibleRunError: the run's data no longer matches its fingerprint.
    """
    started = time.perf_counter()
    content = run_hash(path)
    try:
        run = load_run(path)
    except (ConfigError, IncompatibleRunError):
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, TypeError) as e:
        raise ConfigError(f"run {Path(path).name!r}: cannot load it ({type(e).__name__}: {e}). Give a run directory "
                          "made by `whyrec train --out DIR`.", source="run_dir", field="run_dir") from None
    fit = run.fit_data
    validate_model(run, fit.n_items)
    popularity = fit.item_user_counts.astype(np.float32)
    tag_items, item_tags = catalog_tags(fit)
    served = ServedRun(
        path=Path(path), version=version, run=run, fit=fit, candidates=fit.active_items, popularity=popularity,
        weights=run.meta.data.weights, tag_items=tag_items, item_tags=item_tags, content_hash=content,
        retrieval=retrieval or RetrievalConfig(),
    )
    _ = served.retriever  # built now, not on the first request
    served.loaded_s = time.perf_counter() - started
    logger.info("loaded %s run %s (version %d) in %.2f s", run.meta.model, Path(path).name, version,
                served.loaded_s)
    return served
