"""Run directories: a fitted model, the data it was trained and evaluated on, and metadata to reproduce it.

Layout of ``runs/NAME/`` (a run is self-contained: it never reads its source files again):

- ``arrays.npz``: the model's learned arrays (``Recommender.state()``).
- ``meta.json``: :class:`RunMeta`: whyrec version, model name and hyperparameters, the data source and its
  fingerprint, the split protocol, what the model was fitted on, timings, metrics and ``stored``
  (`whyrec.run_data.StoredData`: the data files and their SHA-256).
- ``data/events.parquet``, ``data/items.parquet``, ``data/users.parquet``: the events with their split,
  the catalog, the users (`whyrec.run_data`).
- ``evaluation.parquet`` (optional): per-user test metrics, which ``whyrec compare`` reuses.
- ``calibration.json`` (optional): written by ``whyrec calibrate``.

A run saved before runs stored their data (no ``stored``) reads its source again, checked against the
fingerprint; ``whyrec run upgrade DIR`` (:func:`upgrade_run`) stores the data in it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from whyrec.data.builtin import BUILTIN_NAMES
from whyrec.data.dataset import Dataset
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError, IncompatibleRunError, WhyrecError
from whyrec.evaluate.adaptive import ParamChoice
from whyrec.evaluate.splits import Split, SplitProtocol, TemporalUserSplit, split_dataset
from whyrec.models.base import BaseRecommender
from whyrec.models.registry import model_class
from whyrec.run_data import StoredData, read_split, split_fingerprint, write_split

__all__ = ["Run", "RunMeta", "load_run", "save_run", "upgrade_run"]

logger = logging.getLogger(__name__)

META_FILE = "meta.json"
ARRAYS_FILE = "arrays.npz"
EVALUATION_FILE = "evaluation.parquet"
FitTarget = Literal["train+valid", "train", "all"]


def _version() -> str:
    from whyrec import __version__

    return __version__


class RunMeta(BaseModel):
    """Everything needed to reload, re-evaluate and reproduce a run."""

    model_config = ConfigDict(extra="forbid")

    whyrec_version: str = Field(default_factory=_version)
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    model: str
    """Registry name of the model."""
    params: dict[str, Any]
    """The model's hyperparameters (all of them, defaults included)."""
    data: DataSource
    """Where the data came from and how it was cleaned."""
    dataset_fingerprint: str
    """Fingerprint of the full dataset (before splitting)."""
    n_items: int
    split: SplitProtocol = Field(default_factory=TemporalUserSplit)
    """How the data was split."""
    protocol: str = ""
    """Name of the split protocol, as reported next to every number."""
    fitted_on: FitTarget = "train+valid"
    """Which part the model was fitted on."""
    fit_seconds: float = 0.0
    split_sizes: dict[str, int] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    """Test metrics measured right after training."""
    tuning: dict[str, Any] | None = None
    """What ``whyrec tune`` (or ``whyrec train --tune``) searched and found
    (`whyrec.evaluate.tuning.TuningResult`), when the run was tuned."""
    param_choice: ParamChoice | None = None
    """How ``whyrec train`` chose the hyperparameters: a search from data-scaled starting points or the fixed
    defaults, with validation NDCG@10 against popularity (None: a run made otherwise)."""
    stored: StoredData | None = None
    """The data files the run carries (None: a run from before runs stored their data)."""
    warm_start: str | None = None
    """The run this one was warm-started from (its directory name), if any."""


@dataclass
class Run:
    """A loaded run: its metadata, the fitted model and (on demand) its data and split."""

    path: Path
    meta: RunMeta
    model: BaseRecommender[Any]
    _dataset: Dataset | None = field(default=None, repr=False)
    _split: Split | None = field(default=None, repr=False)

    @property
    def self_contained(self) -> bool:
        """Whether the run carries its data (else it reads its source again)."""
        return self.meta.stored is not None

    @property
    def dataset(self) -> Dataset:
        """The full dataset: the run's stored copy, or (an old run) its source checked against the fingerprint.

        Raises:
            ConfigError: the stored files are missing or changed, or an old run's source cannot be read.
            IncompatibleRunError: an old run's source has changed since it was trained.
        """
        if self._dataset is None:
            self._dataset = self.split.dataset if self.meta.stored is not None else self._load_source()
        return self._dataset

    def _load_source(self) -> Dataset:
        upgrade = f"`whyrec run upgrade {self.path}`"
        try:
            dataset, _ = self.meta.data.load()
        except WhyrecError as e:
            raise ConfigError(f"run {self.path} was saved before runs stored their data, and its source "
                              f"{self.meta.data.source!r} cannot be read ({e}). Run {upgrade} where the source is "
                              "readable, or retrain the run.", source=str(self.path), field="run_dir") from None
        self.check_dataset(dataset)
        if self.meta.data.source not in BUILTIN_NAMES:  # a built-in dataset reads the same anywhere
            logger.warning("run %s reads its source %r (saved before runs stored their data); %s stores the data in "
                           "the run, so it can be moved and served anywhere", self.path, self.meta.data.source,
                           upgrade)
        return dataset

    @property
    def split(self) -> Split:
        """The split the run was trained and evaluated with (stored in the run, or remade by its protocol)."""
        if self._split is None:
            if self.meta.stored is not None:
                self._split = read_split(self.path, self.meta.stored, fingerprint=self.meta.dataset_fingerprint,
                                         protocol=self.meta.protocol or self.meta.split.protocol)
            else:
                self._split = split_dataset(self.dataset, self.meta.split)
        return self._split

    @property
    def split_id(self) -> str:
        """Identity of the split: runs with the same one were evaluated on the same users and items."""
        if self.meta.stored is not None:
            return self.meta.stored.split_fingerprint
        return split_fingerprint(self.split)

    def per_user_metrics(self) -> pd.DataFrame | None:
        """The per-user test metrics saved with the run (index ``user_id``), or None."""
        path = self.path / EVALUATION_FILE
        return pd.read_parquet(path) if path.is_file() else None

    @property
    def fit_data(self) -> Dataset:
        """The part the model was fitted on (its users' histories and its catalog)."""
        split = self.split
        return {"train+valid": split.fit, "train": split.train, "all": split.dataset}[self.meta.fitted_on]

    def check_dataset(self, dataset: Dataset) -> None:
        """Raise IncompatibleRunError unless `dataset` is the one the run was trained on."""
        if dataset.fingerprint != self.meta.dataset_fingerprint:
            raise IncompatibleRunError(
                self.path, self.meta.dataset_fingerprint, dataset.fingerprint,
                detail=f"(run data: {self.meta.data.source!r}; given: {dataset.name!r}, {dataset.n_users:,} users, "
                       f"{dataset.n_items:,} items, {len(dataset.events):,} events)")
        self._dataset = dataset


def save_run(path: str | Path, model: BaseRecommender[Any], meta: RunMeta, *, split: Split | None = None,
             per_user: pd.DataFrame | None = None) -> Path:
    """Write a run directory; an existing one is replaced only once the new one is complete.

    Args:
        path: the run directory.
        model: the fitted model.
        meta: its metadata (``stored`` is filled in here).
        split: the data and split the model was trained on; stored in the run, which then never reads its
            source again. Without it the run refers to ``meta.data`` (the form of runs before 0.2).
        per_user: per-user test metrics (`whyrec.evaluate.EvaluationResult.per_user`), reused by ``compare``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        # allow_pickle is numpy's default, named so that the arrays cannot be taken for it
        np.savez(staging / ARRAYS_FILE, allow_pickle=True, **model.state())
        if split is not None:
            if split.dataset.fingerprint != meta.dataset_fingerprint:
                raise ConfigError(f"save_run({path}): the split's dataset is not the one meta describes "
                                  f"({split.dataset.fingerprint[:12]} != {meta.dataset_fingerprint[:12]}).")
            meta = meta.model_copy(update={"stored": write_split(staging, split)})
        if per_user is not None:
            per_user.to_parquet(staging / EVALUATION_FILE)
        (staging / META_FILE).write_text(meta.model_dump_json(indent=2) + "\n")
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(staging, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("saved %s run to %s", meta.model, path)
    return path


def update_metrics(path: str | Path, metrics: dict[str, float], per_user: pd.DataFrame | None = None) -> None:
    """Record metrics (and the per-user frame they average) in a saved run."""
    meta_path = Path(path) / META_FILE
    meta = RunMeta.model_validate_json(meta_path.read_text())
    meta.metrics.update(metrics)
    if per_user is not None:
        frame_path, tmp_frame = Path(path) / EVALUATION_FILE, Path(path) / f".{EVALUATION_FILE}.tmp"
        if frame_path.is_file():  # same split, same users: keep the columns of other list lengths
            per_user = per_user.combine_first(pd.read_parquet(frame_path))
        per_user.to_parquet(tmp_frame)
        os.replace(tmp_frame, frame_path)
    _write_meta(meta_path, meta)


def _write_meta(meta_path: Path, meta: RunMeta) -> None:
    tmp = meta_path.with_suffix(".tmp")
    tmp.write_text(meta.model_dump_json(indent=2) + "\n")
    os.replace(tmp, meta_path)


def upgrade_run(path: str | Path) -> bool:
    """Store an old run's data in it, from its source (checked against the fingerprint).

    Returns:
        False when the run already carries its data, True when it was upgraded.

    Raises:
        ConfigError: not a run, or its source cannot be read.
        IncompatibleRunError: the source has changed since the run was trained (retrain instead).
    """
    run = load_run(path)
    if run.self_contained:
        return False
    stored = write_split(run.path, run.split)
    _write_meta(run.path / META_FILE, run.meta.model_copy(update={"stored": stored}))
    logger.info("upgraded run %s: its data is stored in it", run.path)
    return True


def load_run(path: str | Path, *, dataset: Dataset | None = None) -> Run:
    """Load a run directory written by :func:`save_run`.

    Args:
        path: the run directory.
        dataset: the data to use with it; checked against the recorded fingerprint (default: reload the
            recorded source when first needed).

    Raises:
        ConfigError: the folder is not a run, or its metadata or arrays are unreadable.
        IncompatibleRunError: `dataset` is not the dataset the run was trained on.
    """
    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ConfigError(f"{path} is not a run directory (no {META_FILE}). Create one with `whyrec train ... "
                          f"--out {path}`.", source=str(path))
    try:
        meta = RunMeta.model_validate(json.loads(meta_path.read_text()))
    except (ValidationError, json.JSONDecodeError) as e:
        raise ConfigError(f"{meta_path}: unreadable run metadata: {str(e).splitlines()[0]}",
                          source=str(meta_path)) from e
    cls = model_class(meta.model)
    config = cls.config_class.model_validate(meta.params)
    try:
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as arrays:
            state = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:  # missing, truncated, empty, not an npz
        raise ConfigError(f"{path}: cannot load the run's {ARRAYS_FILE} ({type(e).__name__}: {e}); it is damaged "
                          f"or incomplete. Train the run again with `whyrec train ... --out {path}`.",
                          source=str(path / ARRAYS_FILE)) from None
    model = cls.from_state(config, state, meta.n_items)
    run = Run(path, meta, model)
    if dataset is not None:
        run.check_dataset(dataset)
    return run
