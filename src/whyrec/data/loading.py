"""One entry point for every data source: files on disk or a built-in dataset by name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from whyrec.data.builtin import BUILTIN_NAMES, ml100k_tables
from whyrec.data.builtin.synthetic import MAX_EVENTS
from whyrec.data.dataset import Dataset, build_dataset
from whyrec.data.mapping import ColumnMap, map_columns
from whyrec.data.readers import read_table
from whyrec.data.schema import (
    EVENT,
    ITEM_ID,
    MULTI_VALUE_SEPARATOR,
    TIMESTAMP,
    USER_ID,
    VALUE,
    EventWeights,
    TimeUnit,
)
from whyrec.data.validation import (
    CleaningReport,
    InvalidRows,
    UnknownItems,
    check_unique_ids,
    clean_interactions,
    require_columns,
    split_unknown_items,
)
from whyrec.errors import ConfigError

__all__ = ["DataSource", "assemble_dataset", "load_dataset"]

logger = logging.getLogger(__name__)


class DataSource(BaseModel):
    """Where a dataset comes from and how it is cleaned; saved in every run so it can be loaded again.

    Attributes:
        source: a built-in name (``ml-100k``, ``synthetic``, ``synthetic-beauty``, ``synthetic-longtail``) or
            the interactions file.
        catalog: the item table, if any.
        users: the user table, if any.
        weights: event weights.
        unknown_items: interactions whose item is not in the catalog: keep (with a warning), drop, or error.
        on_invalid: rows with bad cells: error, or drop and report.
        synthetic_events: size of a synthetic dataset (default: 100,000 for ``synthetic``, the full 200,000
            for ``synthetic-beauty``, which scales its shoppers and products by it, 200,000 for
            ``synthetic-longtail``).
        seed: seed of a synthetic dataset.
        encoding: text encoding of CSV and JSON files.
        user_column, item_column, time_column, value_column: the file's names for the standard columns.
        rating_column: a column of ratings: every row is a ``rating`` event weighed by it.
        time_unit: what the time column's numbers count (``s``, ``ms``, ``us``, ``ns``, or ``order`` for a
            plain sequence index); None reads seconds and refuses numbers past the year 2100.
        list_separator: what joins the values of a multi-valued catalog or user cell.

    A `source` that is a folder holds a split in files (``train``, ``valid``, ``test``, see
    :func:`whyrec.data.split_files.read_split_files`); :meth:`load` then returns all of them as one dataset.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    catalog: str | None = None
    users: str | None = None
    weights: EventWeights = Field(default_factory=EventWeights)
    unknown_items: UnknownItems = "keep"
    on_invalid: InvalidRows = "error"
    synthetic_events: int | None = Field(default=None, ge=1_000, le=MAX_EVENTS)
    seed: int = 0
    encoding: str = "utf-8"
    user_column: str = Field(default=USER_ID, min_length=1)
    item_column: str = Field(default=ITEM_ID, min_length=1)
    time_column: str = Field(default=TIMESTAMP, min_length=1)
    value_column: str = Field(default=VALUE, min_length=1)
    rating_column: str | None = Field(default=None, min_length=1)
    time_unit: TimeUnit | None = None
    list_separator: str = Field(default=MULTI_VALUE_SEPARATOR, min_length=1)

    @property
    def columns(self) -> ColumnMap:
        """Which file column plays each standard role."""
        return ColumnMap(self.user_column, self.item_column, self.time_column, self.value_column,
                         self.rating_column)

    def read_events(self, path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
        """One interactions file with the standard column names, and standard -> file names for messages."""
        raw = read_table(path, categorical=(self.user_column, self.item_column, EVENT), encoding=self.encoding)
        return map_columns(raw, path, self.columns)

    def clean_events(self, path: str | Path) -> tuple[pd.DataFrame, CleaningReport, bool]:
        """One interactions file read and cleaned: (frame, report, whether it has a time column)."""
        raw, labels = self.read_events(path)
        has_timestamps = TIMESTAMP in raw.columns and self.time_unit != "order"
        frame, report = clean_interactions(raw, path, weights=self.weights, on_invalid=self.on_invalid,
                                           time_unit=self.time_unit, labels=labels)
        return frame, report, has_timestamps

    def read_side_tables(self) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        """The catalog and the user table (when given), their id columns under the standard names."""
        tables = []
        for file, own, standard in ((self.catalog, self.item_column, ITEM_ID),
                                    (self.users, self.user_column, USER_ID)):
            table = read_table(file, encoding=self.encoding) if file else None
            if table is not None and own != standard and own in table.columns and standard not in table.columns:
                table = table.rename(columns={own: standard})
            tables.append(table)
        return tables[0], tables[1]

    def builtin_tables(self) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None] | None:
        """The raw tables of a built-in source: (events, catalog, users), standard columns, time in seconds, every
        cell a string (as a file reads); None when `source` is a file or a folder."""
        if self.source == "ml-100k":
            return ml100k_tables()
        if self.source == "synthetic":
            from whyrec.data.builtin.synthetic import SyntheticConfig, generate

            data = generate(SyntheticConfig(n_events=self.synthetic_events or 100_000, seed=self.seed))
        elif self.source == "synthetic-longtail":
            from whyrec.data.builtin.synthetic import LONGTAIL_EVENTS, generate, longtail_config

            data = generate(longtail_config(self.synthetic_events or LONGTAIL_EVENTS, seed=self.seed))
        elif self.source == "synthetic-beauty":
            from whyrec.data.builtin.synthetic_beauty import FULL_EVENTS, BeautyConfig, generate_beauty

            scale = (self.synthetic_events or FULL_EVENTS) / FULL_EVENTS
            data = generate_beauty(BeautyConfig(scale=scale, seed=self.seed))
        else:
            return None
        return data.events, data.catalog, data.users

    def load(self) -> tuple[Dataset, CleaningReport]:
        """Read, validate and build the dataset."""
        tables = self.builtin_tables()
        if tables is not None:
            return _assemble(_builtin(tables[0], self), tables[1], tables[2], self, name=self.source,
                             paths=(self.source,) * 3)
        path = Path(self.source)
        if not path.suffix and not path.exists():
            raise ConfigError(f"unknown dataset {self.source!r}: not a file, and not a built-in dataset "
                              f"({', '.join(BUILTIN_NAMES)}).", field="data", allowed=BUILTIN_NAMES)
        if path.is_dir():
            from whyrec.data.split_files import read_split_files

            dataset, _, report = read_split_files(self)
            return dataset, report
        catalog, users = self.read_side_tables()
        # the raw table is read and dropped as soon as it is cleaned: at 10M events it is the largest object
        return _assemble(lambda: self.clean_events(path), catalog, users, self, name=path.stem,
                         paths=(str(path), str(self.catalog), str(self.users)))


def _builtin(events: pd.DataFrame, spec: DataSource) -> Callable[[], tuple[pd.DataFrame, CleaningReport, bool]]:
    """How a built-in table (standard columns, seconds) is cleaned."""
    def clean() -> tuple[pd.DataFrame, CleaningReport, bool]:
        frame, report = clean_interactions(events, spec.source, weights=spec.weights,
                                           on_invalid=spec.on_invalid, time_unit="s")
        return frame, report, TIMESTAMP in events.columns
    return clean


def _assemble(clean: Callable[[], tuple[pd.DataFrame, CleaningReport, bool]], catalog: pd.DataFrame | None,
              users: pd.DataFrame | None, spec: DataSource, *, name: str,
              paths: tuple[str, str, str]) -> tuple[Dataset, CleaningReport]:
    frame, report, has_timestamps = clean()
    return assemble_dataset(frame, report, catalog, users, spec, name=name, paths=paths,
                            has_timestamps=has_timestamps)


def assemble_dataset(frame: pd.DataFrame, report: CleaningReport, catalog: pd.DataFrame | None,
                     users: pd.DataFrame | None, spec: DataSource, *, name: str, paths: tuple[str, str, str],
                     has_timestamps: bool) -> tuple[Dataset, CleaningReport]:
    """The dataset of cleaned interactions with their checked catalog and user table."""
    if catalog is not None:
        require_columns(catalog, paths[1], (ITEM_ID,), hint="A catalog needs an item_id column.")
        check_unique_ids(catalog, paths[1], ITEM_ID)
        frame = split_unknown_items(frame, catalog[ITEM_ID], paths[0], spec.unknown_items, report)
        report.rows_kept = len(frame)
    if users is not None:
        require_columns(users, paths[2], (USER_ID,), hint="A user table needs a user_id column.")
        check_unique_ids(users, paths[2], USER_ID)
    dataset = build_dataset(frame, name=name, catalog=catalog, users=users,
                            has_timestamps=has_timestamps, list_separator=spec.list_separator)
    logger.info("loaded %s: %d events, %d users, %d items", name, len(dataset.events), dataset.n_users,
                dataset.n_items)
    return dataset, report


def load_dataset(
    source: str | Path,
    *,
    catalog: str | Path | None = None,
    users: str | Path | None = None,
    weights: EventWeights | None = None,
    unknown_items: UnknownItems = "keep",
    on_invalid: InvalidRows = "error",
    **options: Any,
) -> tuple[Dataset, CleaningReport]:
    """Load interactions (and optionally a catalog and a user table) into a Dataset.

    Args:
        source: an interactions file (CSV, Parquet or JSONL) or a built-in name (``ml-100k``, ``synthetic``).
        catalog: an item table with ``item_id`` and attribute columns.
        users: a user table with ``user_id`` and attribute columns.
        weights: event weights (default view 1, click 2, cart 3, purchase 5, rating = its value).
        unknown_items: what to do with interactions whose item is not in the catalog.
        on_invalid: ``"error"`` stops at the first bad row; ``"drop"`` drops and reports bad rows.
        **options: any other :class:`DataSource` setting (``time_column="seq_index"``, ``time_unit="ms"``,
            ``rating_column="rating"``, ``list_separator=";"``...).

    Returns:
        The dataset and the report of what cleaning did.

    Example:
        >>> dataset, report = load_dataset("ml-100k")  # doctest: +SKIP
        >>> dataset.n_users, dataset.n_items  # doctest: +SKIP
        (943, 1682)
    """
    spec = DataSource(
        source=str(source), catalog=str(catalog) if catalog else None, users=str(users) if users else None,
        weights=weights or EventWeights(), unknown_items=unknown_items, on_invalid=on_invalid, **options,
    )
    return spec.load()
