"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from whyrec import progress, resources
from whyrec.data.dataset import Dataset
from whyrec.data.loading import DataSource
from whyrec.data.schema import TIME_UNITS
from whyrec.data.validation import CleaningReport
from whyrec.errors import ConfigError
from whyrec.evaluate.splits import (
    FileSplit,
    Split,
    SplitProtocol,
    Splitter,
    load_file_split,
    make_splitter,
    split_dataset,
)
from whyrec.retrieval import RetrievalMode

__all__ = ["AnnOpt", "AnnThresholdOpt", "CatalogOpt", "JsonOpt", "MemoryBudgetOpt", "UsersOpt", "check_memory",
           "column_settings", "data_or_split_dir", "data_source", "load_source", "load_split", "parse_params"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
AnnOpt = Annotated[RetrievalMode, typer.Option("--ann", help="Approximate top-k from an HNSW index of the item "
                                                             "vectors (ALS, BPR, LightGCN): auto (from "
                                                             "--ann-threshold items on), on or off.")]
AnnThresholdOpt = Annotated[int, typer.Option("--ann-threshold", min=1, help="Catalog size from which --ann auto "
                                                                             "is approximate.")]
CatalogOpt = Annotated[Path | None, typer.Option("--catalog", help="Item table: item_id + attribute columns.")]
UsersOpt = Annotated[Path | None, typer.Option("--users", help="User table: user_id + attribute columns.")]
DataOpt = Annotated[str, typer.Option("--data", help="Interactions file or built-in name (ml-100k, synthetic, "
                                                      "synthetic-beauty, synthetic-longtail).")]
SplitOpt = Annotated[str, typer.Option("--split", help="temporal-user (PROTOCOL.md), leave-last-out, global-time or "
                                                        "random.")]
SyntheticEventsOpt = Annotated[int | None, typer.Option("--synthetic-events", help="Size of the synthetic dataset.")]
DropInvalidOpt = Annotated[bool, typer.Option("--drop-invalid", help="Drop rows with bad cells (and report them) "
                                                                     "instead of stopping at the first one.")]
DropUnknownOpt = Annotated[bool, typer.Option("--drop-unknown-items",
                                              help="Drop interactions whose item is not in the catalog.")]
MemoryBudgetOpt = Annotated[str | None, typer.Option("--memory-budget", envvar="WHYREC_MEMORY_BUDGET",
                                                    help="Most memory a fit may take (3GB, 512MB, 8GiB); EASE "
                                                         "is refused above it before it starts (default: half "
                                                         "the available memory).")]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Text encoding of CSV/JSON files (latin-1, cp1252...).")]
UserColumnOpt = Annotated[str | None, typer.Option("--user-column", help="The file's user id column (default "
                                                                          "user_id).")]
ItemColumnOpt = Annotated[str | None, typer.Option("--item-column", help="The file's item id column, also in the "
                                                                          "catalog (default item_id).")]
TimeColumnOpt = Annotated[str | None, typer.Option("--time-column", help="The file's time or order column, e.g. "
                                                                          "seq_index (default timestamp).")]
ValueColumnOpt = Annotated[str | None, typer.Option("--value-column", help="The file's value column: the rating "
                                                                            "of event=rating rows (default value).")]
RatingColumnOpt = Annotated[str | None, typer.Option("--rating-column", help="A column of ratings: every row is a "
                                                                              "rating event weighed by it.")]
TimeUnitOpt = Annotated[str | None, typer.Option("--time-unit", help="What the time numbers count: s, ms, us, ns, "
                                                                      "or order (a sequence index, no dates).")]
ListSeparatorOpt = Annotated[str | None, typer.Option("--list-separator", help="What joins the values of a "
                                                                                "multi-valued catalog cell "
                                                                                "(default |).")]
SplitDirOpt = Annotated[Path | None, typer.Option("--split-dir", help="Folder with train, valid and test files "
                                                                       "(csv/parquet/jsonl), used exactly as given "
                                                                       "instead of --data and --split.")]


def column_settings(user_column: str | None = None, item_column: str | None = None, time_column: str | None = None,
                    value_column: str | None = None, rating_column: str | None = None, time_unit: str | None = None,
                    list_separator: str | None = None) -> dict[str, Any]:
    """The DataSource fields the column options set (only those given, so a run's own settings can fill the rest).

    Raises:
        ConfigError: ``--time-unit`` is not one of s, ms, us, ns, order.
    """
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise ConfigError(f"--time-unit {time_unit!r}: expected one of {', '.join(TIME_UNITS)}.", field="time_unit",
                          allowed=TIME_UNITS)
    given = {"user_column": user_column, "item_column": item_column, "time_column": time_column,
             "value_column": value_column, "rating_column": rating_column, "time_unit": time_unit,
             "list_separator": list_separator}
    return {name: value for name, value in given.items() if value is not None}


def data_source(data: str, catalog: Path | None, users: Path | None, drop_invalid: bool = False,
                drop_unknown: bool = False, synthetic_events: int | None = None, seed: int = 0,
                encoding: str = "utf-8", columns: dict[str, Any] | None = None) -> DataSource:
    """The DataSource described by the data options (`columns`: from :func:`column_settings`)."""
    extra: dict[str, Any] = {"encoding": encoding} if encoding != "utf-8" else {}
    extra.update(columns or {})
    if synthetic_events is not None:
        extra["synthetic_events"] = synthetic_events
    return DataSource(source=data, catalog=str(catalog) if catalog else None, users=str(users) if users else None,
                      on_invalid="drop" if drop_invalid else "error",
                      unknown_items="drop" if drop_unknown else "keep", seed=seed, **extra)


def data_or_split_dir(data: str | None, split_dir: Path | None, split: str | None) -> str:
    """The data source of a command that takes ``--data`` or ``--split-dir`` (exactly one of them).

    Raises:
        ConfigError: both or neither are given, or ``--split`` comes with ``--split-dir``.
    """
    if split_dir is not None:
        if data is not None:
            raise ConfigError("--data and --split-dir both given: --split-dir DIR holds all the data (train, valid "
                              "and test files); drop --data.", field="split_dir")
        if split is not None:
            raise ConfigError("--split and --split-dir both given: the files of --split-dir are the split; drop "
                              "--split.", field="split")
        return str(split_dir)
    if data is None:
        raise ConfigError("no data: pass --data FILE (or a built-in name such as ml-100k), or --split-dir DIR.",
                          field="data")
    return data


def load_source(spec: DataSource) -> tuple[Dataset, CleaningReport]:
    """Load a data source with a spinner; its size is the stage's note."""
    with progress.task(f"Loading {spec.source}") as stage:
        dataset, report = spec.load()
        stage.note(f"{len(dataset.events):,} events, {dataset.n_users:,} users, {dataset.n_items:,} items")
    return dataset, report


def check_memory(model: object, n_items: int, budget: str | None) -> None:
    """Print what the fit will cost (EASE) and refuse it above `budget` (``--memory-budget``)."""
    resources.check_fit(model, n_items, resources.parse_size(budget) if budget is not None else None)


def load_split(spec: DataSource, split: str | None, split_dir: bool,
               previous: SplitProtocol | None = None) -> tuple[Split, Splitter]:
    """The data split by the ``--split-dir`` files, by ``--split`` (checked before the data loads) or by
    `previous` (a run's split, for ``--warm-start``)."""
    if isinstance(previous, FileSplit) and not split_dir:
        raise ConfigError(f"the previous run's split was given as files ({previous.directory}); pass --split-dir "
                          "DIR for this run's files, or --split to split --data.", field="split")
    if split_dir:
        with progress.task(f"Loading {spec.source}"):
            parts, files, _ = load_file_split(spec)
        return parts, files
    splitter = previous if previous is not None and split is None else make_splitter(split or "temporal-user")
    dataset, _ = load_source(spec)
    return split_dataset(dataset, splitter), splitter


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``["lambda=500", "use_weights=true"]`` -> ``{"lambda": 500, "use_weights": True}`` (values read as JSON).

    Raises:
        ConfigError: an entry is not ``name=value``.
    """
    params: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--param {pair!r}: expected name=value (e.g. --param lambda=500).", source="--param",
                              field=pair)
        try:
            params[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[name.strip()] = raw
    return params
