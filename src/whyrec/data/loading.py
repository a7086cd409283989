"""One entry point for every data source: files on disk or a built-in dataset by name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from whyrec.data.builtin import BUILTIN_NAMES, ml100k_tables
from whyrec.data.dataset import Dataset, build_dataset
from whyrec.data.readers import read_table
from whyrec.data.schema import EVENT, ITEM_ID, TIMESTAMP, USER_ID, EventWeights
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

__all__ = ["DataSource", "load_dataset"]

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
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    catalog: str | None = None
    users: str | None = None
    weights: EventWeights = Field(default_factory=EventWeights)
    unknown_items: UnknownItems = "keep"
    on_invalid: InvalidRows = "error"
    synthetic_events: int | None = Field(default=None, ge=1_000, le=10_000_000)
    seed: int = 0
    encoding: str = "utf-8"

    def load(self) -> tuple[Dataset, CleaningReport]:
        """Read, validate and build the dataset."""
        if self.source == "ml-100k":
            tables = ml100k_tables()
            return _assemble(lambda: tables[0], tables[1], tables[2], self, name="ml-100k", paths=("ml-100k",) * 3)
        if self.source == "synthetic":
            from whyrec.data.builtin.synthetic import SyntheticConfig, generate

            data = generate(SyntheticConfig(n_events=self.synthetic_events or 100_000, seed=self.seed))
            return _assemble(lambda: data.events.copy(), data.catalog, data.users, self, name="synthetic",
                             paths=("synthetic",) * 3)
        if self.source == "synthetic-longtail":
            from whyrec.data.builtin.synthetic import LONGTAIL_EVENTS, generate, longtail_config

            data = generate(longtail_config(self.synthetic_events or LONGTAIL_EVENTS, seed=self.seed))
            return _assemble(lambda: data.events.copy(), data.catalog, data.users, self, name="synthetic-longtail",
                             paths=("synthetic-longtail",) * 3)
        if self.source == "synthetic-beauty":
            from whyrec.data.builtin.synthetic_beauty import FULL_EVENTS, BeautyConfig, generate_beauty

            scale = (self.synthetic_events or FULL_EVENTS) / FULL_EVENTS
            data = generate_beauty(BeautyConfig(scale=scale, seed=self.seed))
            return _assemble(lambda: data.events.copy(), data.catalog, data.users, self, name="synthetic-beauty",
                             paths=("synthetic-beauty",) * 3)
        path = Path(self.source)
        if not path.suffix and not path.exists():
            raise ConfigError(f"unknown dataset {self.source!r}: not a file, and not a built-in dataset "
                              f"({', '.join(BUILTIN_NAMES)}).", field="data", allowed=BUILTIN_NAMES)
        catalog = read_table(self.catalog, encoding=self.encoding) if self.catalog else None
        users = read_table(self.users, encoding=self.encoding) if self.users else None
        return _assemble(lambda: read_table(path, categorical=(USER_ID, ITEM_ID, EVENT), encoding=self.encoding),
                         catalog, users, self,
                         name=path.stem,
                         paths=(str(path), str(self.catalog), str(self.users)))


def _assemble(read_events: Callable[[], pd.DataFrame], catalog: pd.DataFrame | None, users: pd.DataFrame | None,
              spec: DataSource, *, name: str, paths: tuple[str, str, str]) -> tuple[Dataset, CleaningReport]:
    # the raw table is read here and dropped as soon as it is cleaned: at 10M events it is the largest object
    raw = read_events()
    has_timestamps = TIMESTAMP in raw.columns
    frame, report = clean_interactions(raw, paths[0], weights=spec.weights, on_invalid=spec.on_invalid)
    del raw
    if catalog is not None:
        require_columns(catalog, paths[1], (ITEM_ID,), hint="A catalog needs an item_id column.")
        check_unique_ids(catalog, paths[1], ITEM_ID)
        frame = split_unknown_items(frame, catalog[ITEM_ID], paths[0], spec.unknown_items, report)
        report.rows_kept = len(frame)
    if users is not None:
        require_columns(users, paths[2], (USER_ID,), hint="A user table needs a user_id column.")
        check_unique_ids(users, paths[2], USER_ID)
    dataset = build_dataset(frame, name=name, catalog=catalog, users=users,
                            has_timestamps=has_timestamps)
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
) -> tuple[Dataset, CleaningReport]:
    """Load interactions (and optionally a catalog and a user table) into a Dataset.

    Args:
        source: an interactions file (CSV, Parquet or JSONL) or a built-in name (``ml-100k``, ``synthetic``).
        catalog: an item table with ``item_id`` and attribute columns.
        users: a user table with ``user_id`` and attribute columns.
        weights: event weights (default view 1, click 2, cart 3, purchase 5, rating = its value).
        unknown_items: what to do with interactions whose item is not in the catalog.
        on_invalid: ``"error"`` stops at the first bad row; ``"drop"`` drops and reports bad rows.

    Returns:
        The dataset and the report of what cleaning did.

    Example:
        >>> dataset, report = load_dataset("ml-100k")  # doctest: +SKIP
        >>> dataset.n_users, dataset.n_items  # doctest: +SKIP
        (943, 1682)
    """
    spec = DataSource(
        source=str(source), catalog=str(catalog) if catalog else None, users=str(users) if users else None,
        weights=weights or EventWeights(), unknown_items=unknown_items, on_invalid=on_invalid,
    )
    return spec.load()
