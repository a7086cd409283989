"""A seeded e-commerce generator with planted preferences, so explanations can be checked against the truth.

Each shopper prefers 1-3 categories and 1-3 brands (the brands serve those categories) with unequal weights.
Every *interaction* picks a product from a preferred brand, from a preferred category, or from the whole
catalog (long-tailed popularity), and then becomes a small funnel: a view, often a cart a few minutes later,
sometimes a purchase after the cart (rarely a "buy now" without one). Interactions come in sessions of a
few minutes, sessions days apart.

Everything is vectorised with numpy (loops run over chunks of users, never over events), so 10 million
events take well under a minute and 20 million (a million shoppers) under 2 GB of memory
(docs/benchmarks/growth.md); the same config always gives identical tables. The catalog is made in
`_synthetic_shop`, the shoppers, their interactions and events in `_synthetic_shoppers`.

Example:
    >>> data = generate(SyntheticConfig(n_events=5_000, seed=1))
    >>> list(data.events.columns)
    ['user_id', 'item_id', 'timestamp', 'event', 'value']
    >>> sorted(data.preferences["attribute"].unique())
    ['brand', 'category']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from whyrec import progress
from whyrec.data.builtin._synthetic_shop import _BRANDS, _CATEGORIES, _catalog
from whyrec.data.builtin._synthetic_shoppers import _events, _interactions, _users

__all__ = ["LONGTAIL_EVENTS", "MAX_EVENTS", "SyntheticConfig", "SyntheticData", "generate", "longtail_config",
           "write_synthetic"]

#: Default size of the ``synthetic-longtail`` preset.
LONGTAIL_EVENTS = 200_000
#: Most events one config may ask for (about 90 bytes of memory per event at the peak of a generation).
MAX_EVENTS = 50_000_000


class SyntheticConfig(BaseModel):
    """Size and seed of a synthetic dataset; sizes left None are derived from `n_events`.

    Example:
        >>> SyntheticConfig(n_events=100_000).resolved().n_users
        2500
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_events: int = Field(default=100_000, ge=1_000, le=MAX_EVENTS)
    """About how many events to generate (the funnel makes the count approximate, within about 1%)."""
    seed: int = 0
    """Random seed."""
    n_users: int | None = Field(default=None, ge=10)
    """Shoppers (default: n_events / 40, at least 50)."""
    n_items: int | None = Field(default=None, ge=50)
    """Products (default: n_events / 100, at least 200, at most 200,000)."""
    n_categories: int | None = Field(default=None, ge=2, le=len(_CATEGORIES))
    """Categories (default: 12 below a million events, else 24)."""
    n_brands: int | None = Field(default=None, ge=2, le=len(_BRANDS))
    """Brands (default: 4 per category); each serves one main category and sometimes a second one."""

    @model_validator(mode="after")
    def _sizes_fit(self) -> Self:
        sizes = self.resolved()
        n_users, n_items = int(sizes.n_users or 0), int(sizes.n_items or 0)
        n_categories, n_brands = int(sizes.n_categories or 0), int(sizes.n_brands or 0)
        if n_brands < n_categories:
            raise ValueError(f"n_brands ({n_brands}) must be at least n_categories ({n_categories}), "
                             "so that every category has a brand")
        if n_items < n_brands:
            raise ValueError(f"n_items ({n_items}) must be at least n_brands ({n_brands}), "
                             "so that every brand has a product")
        if n_users > self.n_events:
            raise ValueError(f"n_users ({n_users}) must be at most n_events ({self.n_events})")
        return self

    def resolved(self) -> SyntheticConfig:
        """The config with every size filled in."""
        n_categories = self.n_categories or _default_categories(self.n_events)
        return self.model_copy(update={
            "n_users": self.n_users or max(50, self.n_events // 40),
            "n_items": self.n_items or int(np.clip(self.n_events // 100, 200, 200_000)),
            "n_categories": n_categories,
            "n_brands": self.n_brands or min(4 * n_categories, len(_BRANDS)),
        })


def longtail_config(n_events: int = LONGTAIL_EVENTS, seed: int = 0) -> SyntheticConfig:
    """The ``synthetic-longtail`` preset: a large catalog with a long tail of rarely bought products.

    Ten times the products of ``synthetic`` for the same events (one per 10 events, at least 200) and half
    the shoppers (one per 80 events), so an item is seen by few shoppers and most of the catalog is tail.

    Example:
        >>> sizes = longtail_config(200_000).resolved()
        >>> (sizes.n_users, sizes.n_items)
        (2500, 20000)
    """
    return SyntheticConfig(n_events=n_events, seed=seed, n_users=max(50, n_events // 80),
                           n_items=int(np.clip(n_events // 10, 200, 200_000)))


def _default_categories(n_events: int) -> int:
    return 12 if n_events < 1_000_000 else 24


@dataclass(frozen=True)
class SyntheticData:
    """Generated tables, string-typed like files on disk.

    Id and event columns are categoricals of text, the others Arrow-backed text; every cell is a string or
    missing, as :func:`whyrec.data.readers.read_table` returns a file.

    Attributes:
        events: ``user_id, item_id, timestamp, event, value``: sorted by user, then time; ``timestamp`` is
            epoch seconds, ``event`` is ``view``/``cart``/``purchase``, ``value`` the quantity of a purchase
            (missing otherwise).
        catalog: ``item_id, title, category, brand, price, description``.
        users: ``user_id, age, gender``.
        preferences: the planted truth, one row per user and preferred attribute value:
            ``user_id, attribute`` (``category`` or ``brand``) ``, value, weight`` (weights of one user and
            attribute sum to 1; a float column).
    """

    events: pd.DataFrame
    catalog: pd.DataFrame
    users: pd.DataFrame
    preferences: pd.DataFrame


def generate(config: SyntheticConfig | None = None) -> SyntheticData:
    """Generate a dataset; the same config always gives identical tables.

    Args:
        config: sizes and seed (default: 100,000 events, seed 0).

    Returns:
        The events, catalog, users and planted preferences.
    """
    cfg = (config or SyntheticConfig()).resolved()
    n_users, n_items = int(cfg.n_users or 0), int(cfg.n_items or 0)
    n_cat, n_brands = int(cfg.n_categories or 0), int(cfg.n_brands or 0)
    rng = np.random.default_rng(cfg.seed)
    with progress.task("generate synthetic data", total=4) as step:
        catalog, items = _catalog(rng, n_items, n_cat, n_brands)
        step.advance()
        users, preferences, prefs = _users(rng, n_users, items)
        step.advance()
        user, item = _interactions(rng, cfg.n_events, prefs, items)
        step.advance()
        events = _events(rng, user, item, n_users, catalog["item_id"].to_numpy())
        step.advance()
    return SyntheticData(events, catalog, users, preferences)


def write_synthetic(config: SyntheticConfig, out_dir: Path) -> dict[str, Path]:
    """Generate a dataset and write ``events.csv``, ``catalog.csv``, ``users.csv`` and ``preferences.csv``.

    Args:
        config: sizes and seed.
        out_dir: the folder (created if needed); existing files are replaced.

    Returns:
        The path of each table, by name (``events``, ``catalog``, ``users``, ``preferences``).
    """
    import pyarrow.csv as pacsv

    data = generate(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in ("events", "catalog", "users", "preferences"):
        path = out_dir / f"{name}.csv"
        frame: pd.DataFrame = getattr(data, name)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                                      for f in table.schema]))
        # ids, times and words never hold a comma, a quote or a newline; titles and descriptions may
        quoting = "needed" if name == "catalog" else "none"
        with pa.OSFile(str(path), "wb") as sink:
            sink.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style=quoting))
        paths[name] = path
    return paths
