"""A split given as files: a folder with ``train``, ``valid`` (optional) and ``test`` interactions files.

Each file is read and cleaned like ``--data`` (same formats, column options and checks, so an error names the
file and its row). The parts are then checked against each other: a (user, item) pair may sit in one part
only, and valid/test may only name users and items that train has, because no model can rank them otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from whyrec.data.dataset import Dataset
from whyrec.data.readers import SUPPORTED_SUFFIXES
from whyrec.data.schema import ITEM_ID, USER_ID
from whyrec.data.validation import CleaningReport
from whyrec.errors import ConfigError, DataFileError

if TYPE_CHECKING:
    from whyrec.data.loading import DataSource

__all__ = ["PART_NAMES", "find_split_files", "read_split_files"]

#: Part -> the file stems accepted for it (``train.csv``, ``validation.parquet``, ``test.jsonl``...).
PART_NAMES: dict[str, tuple[str, ...]] = {"train": ("train",), "valid": ("valid", "validation", "val"),
                                          "test": ("test",)}


def find_split_files(directory: str | Path) -> dict[str, Path]:
    """The file of each part in `directory` (``valid`` may be absent).

    Raises:
        ConfigError: the folder is missing, lacks a train or test file, or has two files for one part.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"--split-dir {directory}: no such folder.", source=str(directory), field="split_dir")
    found: dict[str, Path] = {}
    for part, stems in PART_NAMES.items():
        files = sorted(p for p in directory.iterdir()
                       if p.is_file() and p.stem.lower() in stems and p.suffix.lower() in SUPPORTED_SUFFIXES)
        if len(files) > 1:
            raise ConfigError(f"--split-dir {directory}: {len(files)} files for the {part} part "
                              f"({', '.join(f.name for f in files)}); keep one.", source=str(directory),
                              field="split_dir")
        if files:
            found[part] = files[0]
        elif part != "valid":
            raise ConfigError(f"--split-dir {directory}: no {part} file; expected {stems[0]}.csv (or .parquet, "
                              f".jsonl) beside the others.", source=str(directory), field="split_dir")
    return found


def read_split_files(spec: DataSource) -> tuple[Dataset, np.ndarray, CleaningReport]:
    """Read the split folder `spec.source`: the dataset of all parts, its per-event part (0 train, 1 valid,
    2 test) and the merged cleaning report.

    Raises:
        ConfigError: see :func:`find_split_files`.
        DataFileError: a bad row, a pair in two parts, or a user/item of valid or test that train lacks.
    """
    from whyrec.data.loading import assemble_dataset

    files = find_split_files(spec.source)
    frames: dict[str, pd.DataFrame] = {}
    report = CleaningReport()
    timed = []
    for part, path in files.items():
        frame, part_report, has_timestamps = spec.clean_events(path)
        frames[part] = frame
        timed.append(has_timestamps)
        _merge(report, part_report, path.name)
    if len(set(timed)) > 1:
        raise ConfigError(f"--split-dir {spec.source}: some files have a time column and some do not; give all "
                          "or none a time column.", source=spec.source, field="split_dir")
    _check_parts(frames, files)
    codes = np.concatenate([np.full(len(f), code, dtype=np.int8)
                            for code, f in zip((_CODE[p] for p in frames), frames.values(), strict=True)])
    combined = pd.concat([f.astype({USER_ID: object, ITEM_ID: object}) for f in frames.values()], ignore_index=True)
    catalog, users = spec.read_side_tables()
    dataset, report = assemble_dataset(combined, report, catalog, users, spec, name=Path(spec.source).name,
                                       paths=(str(files["train"]), str(spec.catalog), str(spec.users)),
                                       has_timestamps=timed[0])
    return dataset, _event_parts(dataset, combined, codes), report


_CODE = {"train": 0, "valid": 1, "test": 2}


def _merge(total: CleaningReport, part: CleaningReport, name: str) -> None:
    total.rows_read += part.rows_read
    total.rows_kept += part.rows_kept
    for reason, n in part.dropped.items():
        total.drop(f"{name}: {reason}", n)
    for reason, n in part.filled.items():
        total.fill(f"{name}: {reason}", n)
    total.notes += [f"{name}: {note}" for note in part.notes]


def _pair_keys(frame: pd.DataFrame) -> pd.Series:
    return frame[USER_ID].astype(str) + "\x1f" + frame[ITEM_ID].astype(str)


def _check_parts(frames: dict[str, pd.DataFrame], files: dict[str, Path]) -> None:
    """Refuse valid/test rows whose user or item train lacks, and pairs that sit in two parts."""
    train = frames["train"]
    known = {USER_ID: pd.Index(train[USER_ID].astype(str).unique()),
             ITEM_ID: pd.Index(train[ITEM_ID].astype(str).unique())}
    seen: dict[str, pd.Index] = {"train": pd.Index(_pair_keys(train).unique())}
    for part in ("valid", "test"):
        if part not in frames:
            continue
        frame = frames[part]
        for column, kind in ((USER_ID, "user"), (ITEM_ID, "item")):
            ids = frame[column].astype(str)
            unknown = ~ids.isin(known[column]).to_numpy()
            if unknown.any():
                _refuse(files[part], frame, unknown, column,
                        f"{kind} {{value}} is not in {files['train'].name}: no model can rank for it.",
                        f"{'an' if kind == 'item' else 'a'} {kind} that has interactions in train",
                        f"Move that {kind}'s first interactions into train, or remove its rows from "
                        f"{files[part].name}.")
        keys = _pair_keys(frame)
        for earlier, index in seen.items():
            overlap = keys.isin(index).to_numpy()
            if overlap.any():
                _refuse(files[part], frame, overlap, ITEM_ID,
                        f"user {frame[USER_ID].iloc[int(np.flatnonzero(overlap)[0])]!r} and item {{value}} are "
                        f"also in {files[earlier].name}: each (user, item) pair belongs to one part.",
                        f"a pair that {files[earlier].name} does not hold",
                        "Remove the pair from one of the two files (a held-out item must be new to its user).")
        seen[part] = pd.Index(keys.unique())


def _refuse(path: Path, frame: pd.DataFrame, bad: np.ndarray, column: str, message: str, expected: str,
            hint: str) -> None:
    rows = np.flatnonzero(bad)
    # the frame's index is the 0-based data row of the file
    file_rows = [int(r) + 1 for r in frame.index[rows]]
    value = str(frame[column].iloc[int(rows[0])])
    raise DataFileError(path, message.format(value=repr(value)), row=file_rows[0], column=column, value=value,
                        expected=expected, more_rows=file_rows[1:4], n_more=len(rows) - 1, hint=hint)


def _event_parts(dataset: Dataset, combined: pd.DataFrame, codes: np.ndarray) -> np.ndarray:
    """The part of each event of `dataset` (in its sorted order), from the part of each row of `combined`."""
    n_items = dataset.n_items
    users = dataset.users.indices_of(combined[USER_ID].astype(str).tolist(), missing="mark").astype(np.int64)
    items = dataset.items.indices_of(combined[ITEM_ID].astype(str).tolist(), missing="mark").astype(np.int64)
    kept = (users >= 0) & (items >= 0)  # rows dropped with their item (--drop-unknown-items) are in no event
    row_keys = (users * n_items + items)[kept]
    codes = codes[kept]
    order = np.argsort(row_keys, kind="stable")
    sorted_keys = row_keys[order]
    events = dataset.events
    event_keys = events.user.astype(np.int64) * n_items + events.item
    # a pair lives in one part only (checked), so any row of the pair gives the part of all its events
    where = np.searchsorted(sorted_keys, event_keys)
    return codes[order][where].astype(np.int8)
