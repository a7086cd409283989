"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from whyrec import progress
from whyrec.data.dataset import Dataset
from whyrec.data.loading import DataSource
from whyrec.data.validation import CleaningReport
from whyrec.errors import ConfigError

__all__ = ["CatalogOpt", "JsonOpt", "UsersOpt", "load_source", "parse_params"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
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
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Text encoding of CSV/JSON files (latin-1, cp1252...).")]


def data_source(data: str, catalog: Path | None, users: Path | None, drop_invalid: bool = False,
                drop_unknown: bool = False, synthetic_events: int | None = None, seed: int = 0,
                encoding: str = "utf-8") -> DataSource:
    """The DataSource described by the data options."""
    extra: dict[str, Any] = {"encoding": encoding} if encoding != "utf-8" else {}
    if synthetic_events is not None:
        extra["synthetic_events"] = synthetic_events
    return DataSource(source=data, catalog=str(catalog) if catalog else None, users=str(users) if users else None,
                      on_invalid="drop" if drop_invalid else "error",
                      unknown_items="drop" if drop_unknown else "keep", seed=seed, **extra)


def load_source(spec: DataSource) -> tuple[Dataset, CleaningReport]:
    """Load a data source with a spinner."""
    with progress.task(f"Loading {spec.source}"):
        return spec.load()


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
