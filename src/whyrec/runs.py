"""Run directories: a fitted model's arrays plus JSON metadata that says how to reproduce it.

Layout of ``runs/NAME/``:

- ``arrays.npz``: the model's learned arrays (``Recommender.state()``).
- ``meta.json``: :class:`RunMeta`: whyrec version, model name and hyperparameters, the data source and its
  fingerprint, the split protocol, what the model was fitted on, timings and metrics.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from whyrec.data.dataset import Dataset
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError, IncompatibleRunError
from whyrec.evaluate.splits import Split, SplitProtocol, TemporalUserSplit, split_dataset
from whyrec.models.base import BaseRecommender
from whyrec.models.registry import model_class

__all__ = ["Run", "RunMeta", "load_run", "save_run"]

logger = logging.getLogger(__name__)

META_FILE = "meta.json"
ARRAYS_FILE = "arrays.npz"
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
    """What ``whyrec tune`` searched and found (`whyrec.evaluate.tuning.TuningResult`), when the run was tuned."""


@dataclass
class Run:
    """A loaded run: its metadata, the fitted model and (on demand) its data and split."""

    path: Path
    meta: RunMeta
    model: BaseRecommender[Any]
    _dataset: Dataset | None = field(default=None, repr=False)
    _split: Split | None = field(default=None, repr=False)

    @property
    def dataset(self) -> Dataset:
        """The full dataset, loaded from the recorded source and checked against the fingerprint."""
        if self._dataset is None:
            dataset, _ = self.meta.data.load()
            self.check_dataset(dataset)
            self._dataset = dataset
        return self._dataset

    @property
    def split(self) -> Split:
        """The split the run was trained and evaluated with."""
        if self._split is None:
            self._split = split_dataset(self.dataset, self.meta.split)
        return self._split

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


def save_run(path: str | Path, model: BaseRecommender[Any], meta: RunMeta) -> Path:
    """Write a run directory; an existing one is replaced only once the new one is complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        np.savez(staging / ARRAYS_FILE, **model.state())
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


def update_metrics(path: str | Path, metrics: dict[str, float]) -> None:
    """Record metrics in a saved run's metadata."""
    meta_path = Path(path) / META_FILE
    meta = RunMeta.model_validate_json(meta_path.read_text())
    meta.metrics.update(metrics)
    tmp = meta_path.with_suffix(".tmp")
    tmp.write_text(meta.model_dump_json(indent=2) + "\n")
    os.replace(tmp, meta_path)


def load_run(path: str | Path, *, dataset: Dataset | None = None) -> Run:
    """Load a run directory written by :func:`save_run`.

    Args:
        path: the run directory.
        dataset: the data to use with it; checked against the recorded fingerprint (default: reload the
            recorded source when first needed).

    Raises:
        ConfigError: the folder is not a run, or its metadata is unreadable.
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
    with np.load(path / ARRAYS_FILE, allow_pickle=False) as arrays:
        state = {name: arrays[name] for name in arrays.files}
    model = cls.from_state(config, state, meta.n_items)
    run = Run(path, meta, model)
    if dataset is not None:
        run.check_dataset(dataset)
    return run
