"""Train / validation / test splits. The default is PROTOCOL.md's temporal per-user holdout."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from whyrec.data.dataset import Dataset
from whyrec.errors import ConfigError

if TYPE_CHECKING:
    from whyrec.data.loading import DataSource
    from whyrec.data.validation import CleaningReport

__all__ = [
    "PROTOCOL_NAME",
    "SPLIT_NAMES",
    "FileSplit",
    "GlobalTimeSplit",
    "LeaveLastOutSplit",
    "RandomSplit",
    "Split",
    "SplitProtocol",
    "Splitter",
    "TemporalUserSplit",
    "load_file_split",
    "make_splitter",
]

#: Name of the default protocol (../shared/PROTOCOL.md).
PROTOCOL_NAME = "temporal-user-holdout/v1"

TRAIN, VALID, TEST = 0, 1, 2


class TemporalUserSplit(BaseModel):
    """PROTOCOL.md: each user's last 20% (at least 1) of interactions are test, the last 10% of the rest valid.

    Integer arithmetic only; no randomness. Users with fewer than 2 interactions stay in train.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["temporal-user"] = "temporal-user"
    test_percent: int = Field(default=20, ge=1, le=90)
    """Share of each user's interactions held out as test, in percent (rounded down, at least one)."""
    valid_percent: int = Field(default=10, ge=0, le=90)
    """Share of the remaining interactions held out as validation, in percent."""

    def assign(self, pos: np.ndarray, n: np.ndarray, _pairs: _Pairs) -> np.ndarray:
        n_test = np.where(n < 2, 0, np.maximum(1, (n * self.test_percent) // 100))
        rest = n - n_test
        n_valid = np.maximum(1, (rest * self.valid_percent) // 100) if self.valid_percent else np.zeros_like(rest)
        n_valid = np.where((n >= 2) & (rest - n_valid >= 2), n_valid, 0)
        return np.where(pos >= n - n_test, TEST, np.where(pos >= rest - n_valid, VALID, TRAIN)).astype(np.int8)

    @property
    def protocol(self) -> str:
        default = self.test_percent == 20 and self.valid_percent == 10
        if default:
            return PROTOCOL_NAME
        return f"temporal-user-holdout(test={self.test_percent}%,valid={self.valid_percent}%)"


class LeaveLastOutSplit(BaseModel):
    """Each user's last interaction is test and the one before it validation (users with 3 or more)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["leave-last-out"] = "leave-last-out"

    def assign(self, pos: np.ndarray, n: np.ndarray, _pairs: _Pairs) -> np.ndarray:
        part = np.where((n >= 2) & (pos == n - 1), TEST, TRAIN)
        return np.where((n >= 3) & (pos == n - 2), VALID, part).astype(np.int8)

    @property
    def protocol(self) -> str:
        return "leave-last-one-out"


class GlobalTimeSplit(BaseModel):
    """One cut in time for everybody: the latest interactions are test, the ones before them validation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["global-time"] = "global-time"
    test_percent: int = Field(default=20, ge=1, le=90)
    """Share of all interactions, the latest ones, that are test, in percent."""
    valid_percent: int = Field(default=10, ge=0, le=90)
    """Share of all interactions, just before the test ones, that are validation, in percent."""

    def assign(self, pos: np.ndarray, n: np.ndarray, pairs: _Pairs) -> np.ndarray:
        order = np.lexsort((pairs.item, pairs.timestamp))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        total = len(order)
        test_start = total - round(total * self.test_percent / 100)
        valid_start = test_start - round(total * self.valid_percent / 100)
        return np.where(rank >= test_start, TEST, np.where(rank >= valid_start, VALID, TRAIN)).astype(np.int8)

    @property
    def protocol(self) -> str:
        return f"global-time(test={self.test_percent / 100:g},valid={self.valid_percent / 100:g})"


class RandomSplit(BaseModel):
    """Seeded random holdout of each user's interactions (ignores time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["random"] = "random"
    test_percent: int = Field(default=20, ge=1, le=90)
    """Share of each user's interactions that are test, in percent (rounded down, at least one)."""
    valid_percent: int = Field(default=10, ge=0, le=90)
    """Share of each user's remaining interactions that are validation, in percent (rounded down)."""
    seed: int = 0
    """Random seed."""

    def assign(self, pos: np.ndarray, n: np.ndarray, pairs: _Pairs) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        order = np.lexsort((rng.random(len(pos)), pairs.user))  # by user, shuffled within each user
        group_start = np.arange(len(pos)) - pos
        new_pos = np.empty_like(pos)
        new_pos[order] = np.arange(len(pos)) - group_start[order]
        n_test = np.where(n < 2, 0, np.maximum(1, (n * self.test_percent) // 100))
        rest = n - n_test
        n_valid = np.where(rest >= 3, (rest * self.valid_percent) // 100, 0)
        return np.where(new_pos >= n - n_test, TEST, np.where(new_pos >= rest - n_valid, VALID, TRAIN)).astype(np.int8)

    @property
    def protocol(self) -> str:
        return f"random(test={self.test_percent / 100:g},valid={self.valid_percent / 100:g},seed={self.seed})"


class FileSplit(BaseModel):
    """The split a folder of files gives (``--split-dir``): used exactly as given, never remade.

    The events are the train, valid and test files together; see :func:`load_file_split`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["files"] = "files"
    directory: str
    """The folder, as given."""
    files: dict[str, str] = Field(default_factory=dict)
    """Part (``train``, ``valid``, ``test``) -> file name."""

    def assign(self, pos: np.ndarray, n: np.ndarray, pairs: _Pairs) -> np.ndarray:
        raise ConfigError(f"a split given as files ({self.directory}) cannot be remade from the events; read it "
                          "with load_file_split (whyrec train --split-dir).", field="split")

    @property
    def protocol(self) -> str:
        return f"given-files({Path(self.directory).name})"


SplitProtocol = Annotated[
    TemporalUserSplit | LeaveLastOutSplit | GlobalTimeSplit | RandomSplit | FileSplit, Field(discriminator="kind")
]


class Splitter(Protocol):
    """Anything that assigns each (user, item) pair to train, validation or test."""

    @property
    def protocol(self) -> str: ...

    def assign(self, pos: np.ndarray, n: np.ndarray, pairs: _Pairs) -> np.ndarray: ...


@dataclass(frozen=True)
class _Pairs:
    """Distinct (user, item) pairs at their earliest event, sorted by user, time, item."""

    user: np.ndarray
    item: np.ndarray
    timestamp: np.ndarray


@dataclass(frozen=True, eq=False)
class Split:
    """A dataset cut into train, validation and test; all parts share the dataset's id maps.

    Attributes:
        dataset: the full dataset.
        part: (n_events,) int8 per event: 0 train, 1 validation, 2 test.
        protocol: the name of how it was made (every reported number names it).
    """

    dataset: Dataset
    part: np.ndarray
    protocol: str

    @cached_property
    def train(self) -> Dataset:
        """Training events."""
        return self.dataset.subset(self.part == TRAIN, f"{self.dataset.name}/train")

    @cached_property
    def validation(self) -> Dataset:
        """Validation events."""
        return self.dataset.subset(self.part == VALID, f"{self.dataset.name}/valid")

    @cached_property
    def test(self) -> Dataset:
        """Test events."""
        return self.dataset.subset(self.part == TEST, f"{self.dataset.name}/test")

    @cached_property
    def fit(self) -> Dataset:
        """Train + validation: what the final model is fitted on."""
        return self.dataset.subset(self.part != TEST, f"{self.dataset.name}/train+valid")

    def sizes(self) -> dict[str, int]:
        """Number of distinct (user, item) pairs in each part."""
        ds = self.dataset
        key = ds.events.user.astype(np.int64) * ds.n_items + ds.events.item
        return {name: len(np.unique(key[self.part == code]))
                for name, code in (("train", TRAIN), ("valid", VALID), ("test", TEST))}


def split_dataset(dataset: Dataset, splitter: Splitter | None = None) -> Split:
    """Split `dataset` by (user, item) pair, as PROTOCOL.md says.

    A repeated (user, item) pair is placed by its earliest event, and all its events follow it, so a test
    item is always new to its user.

    Args:
        dataset: the data to split.
        splitter: how; default :class:`TemporalUserSplit` (PROTOCOL.md).
    """
    splitter = splitter or TemporalUserSplit()
    ev = dataset.events
    key = ev.user.astype(np.int64) * dataset.n_items + ev.item
    # The log is sorted by user, time, item: a pair's first occurrence is its earliest event.
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    pair_events = first[order]
    pairs = _Pairs(ev.user[pair_events], ev.item[pair_events], ev.timestamp[pair_events])
    starts = np.searchsorted(pairs.user, pairs.user, side="left")
    ends = np.searchsorted(pairs.user, pairs.user, side="right")
    pos = np.arange(len(pair_events)) - starts
    n = ends - starts
    pair_part = splitter.assign(pos, n, pairs)
    part_of_unique = np.empty(len(first), dtype=np.int8)
    part_of_unique[order] = pair_part
    return Split(dataset, part_of_unique[inverse.ravel()], splitter.protocol)


_SPLITTERS = {c.model_fields["kind"].default: c for c in (TemporalUserSplit, LeaveLastOutSplit, GlobalTimeSplit,
                                                            RandomSplit)}
#: Names accepted by :func:`make_splitter` (``--split``); a split in files is given with ``--split-dir``.
SPLIT_NAMES: tuple[str, ...] = tuple(_SPLITTERS)


def make_splitter(kind: str, **params: object) -> Splitter:
    """A splitter by its name (``temporal-user``, ``leave-last-out``, ``global-time``, ``random``)."""
    if kind not in _SPLITTERS:
        raise ConfigError(f"unknown split {kind!r}; valid splits: {', '.join(SPLIT_NAMES)} (or --split-dir DIR "
                          "for train/valid/test files).", field="split", allowed=SPLIT_NAMES)
    return _SPLITTERS[kind](**params)


def load_file_split(spec: DataSource) -> tuple[Split, FileSplit, CleaningReport]:
    """The split a folder of train/valid/test files gives, exactly (`spec.source` is the folder).

    Raises:
        ConfigError: a part's file is missing or given twice.
        DataFileError: a bad row, a pair in two parts, or an id of valid/test unknown to train.
    """
    from whyrec.data.split_files import find_split_files, read_split_files

    files = find_split_files(spec.source)
    dataset, part, report = read_split_files(spec)
    splitter = FileSplit(directory=spec.source, files={name: path.name for name, path in files.items()})
    return Split(dataset, part, splitter.protocol), splitter, report
