"""``synthetic-beauty``: a seeded sparse sequential shop shaped like Amazon Beauty (S3-Rec's 5-core cut).

At full size (``scale=1``): 22,000 shoppers, 12,000 products, about 9 events per shopper (at least 5, a
long tail of heavy shoppers) -- about 200,000 events, the size of Beauty (22,363 users, 12,101 items,
198,502 reviews). Popularity is long-tailed, and what a shopper buys next depends strongly on what they
bought last: every product has a few *successors* (mostly in its own category) that often follow it,
the way a cleanser is followed by a toner. The rest of a history comes from the shopper's preferred
categories and from the whole catalog. One ``purchase`` event per product (no repeats) with strictly
increasing timestamps, so the leave-last-out split (``--split leave-last-out``) is well defined.

The catalog, the shoppers and the planted category/brand preferences come from the ``synthetic``
generator (:mod:`whyrec.data.builtin.synthetic`); only the histories differ.

Example:
    >>> data = generate_beauty(BeautyConfig(scale=0.02, seed=1))
    >>> int(data.events["user_id"].nunique()), int(data.events["item_id"].astype(str).nunique()) <= 240
    (440, True)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from whyrec import progress
from whyrec.data.builtin._synthetic_shop import _catalog, _ids, _Items
from whyrec.data.builtin._synthetic_shoppers import _sample_within, _slot, _text, _users
from whyrec.data.builtin.synthetic import SyntheticData

__all__ = ["FULL_EVENTS", "BeautyConfig", "generate_beauty"]

_FULL_USERS, _FULL_ITEMS = 22_000, 12_000
#: About how many events the full-size preset has (``scale=1``).
FULL_EVENTS = 200_000
_MIN_LENGTH, _EXTRA_MEAN, _MAX_LENGTH, _SPARE = 5, 4.0, 200, 4  # 5-core: every history has at least 5 products
# P(next product is a successor of the last one), P(from a preferred category); the rest: whole catalog
_FOLLOW, _CATEGORY = 0.22, 0.38
_SUCCESSOR_WEIGHTS = np.array([0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.04])
_SAME_CATEGORY = 0.8  # share of successors in their product's own category
_POPULARITY_EXPONENT, _POPULARITY_OFFSET = 1.0, 150
_START, _MEAN_GAP = 1_400_000_000, 12 * 86_400  # 2014-05, gaps of days to weeks between purchases


class BeautyConfig(BaseModel):
    """Size and seed of the ``synthetic-beauty`` preset.

    Example:
        >>> BeautyConfig(scale=0.5).sizes()
        (11000, 6000)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scale: float = Field(default=1.0, gt=0.0, le=50.0)
    """Size relative to Amazon Beauty: 1 is 22,000 shoppers and 12,000 products (about 200,000 events)."""
    seed: int = 0
    """Random seed."""

    def sizes(self) -> tuple[int, int]:
        """(shoppers, products) at this scale (at least 50 and 200)."""
        return max(50, round(_FULL_USERS * self.scale)), max(200, round(_FULL_ITEMS * self.scale))


def generate_beauty(config: BeautyConfig | None = None) -> SyntheticData:
    """Generate the preset; the same config always gives identical tables.

    Args:
        config: scale and seed (default: full size, seed 0).

    Returns:
        Events (``purchase`` only, value missing), catalog, users and the planted preferences.
    """
    cfg = config or BeautyConfig()
    n_users, n_items = cfg.sizes()
    rng = np.random.default_rng(cfg.seed)
    with progress.task("generate synthetic-beauty data", total=3) as step:
        n_cat = min(24, max(3, n_items // 100))  # the shoppers pick up to 3 categories
        catalog, items = _catalog(rng, n_items, n_cat, min(4 * n_cat, 192))
        rank = rng.permutation(n_items)
        items = replace(items, popularity=1.0 / (_POPULARITY_OFFSET + rank) ** _POPULARITY_EXPONENT)
        users, preferences, prefs = _users(rng, n_users, items)
        step.advance()
        user, item = _histories(rng, items, prefs.category, prefs.category_weight)
        step.advance()
        events = _table(rng, user, item, n_users, catalog["item_id"].to_numpy())
        step.advance()
    return SyntheticData(events, catalog, users, preferences)


def _successors(rng: np.random.Generator, items: _Items) -> np.ndarray:
    """(n_items, 5) products that tend to follow each product: mostly its category, by popularity."""
    n_items, k = len(items.category), len(_SUCCESSOR_WEIGHTS)
    n_cat = len(items.category_names)
    category = np.repeat(items.category, k)
    same = _sample_within(items.category, np.sqrt(items.popularity), n_cat, category, rng.random(n_items * k))
    anywhere = _sample_within(np.zeros(n_items, np.int64), items.popularity, 1, np.zeros(n_items * k, np.int64),
                              rng.random(n_items * k))
    chosen = np.where(rng.random(n_items * k) < _SAME_CATEGORY, same, anywhere).reshape(n_items, k)
    return chosen.astype(np.int32)


def _histories(rng: np.random.Generator, items: _Items, category: np.ndarray,
               weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) in order: a first product, then each next one from the last one's successors, a
    preferred category or the whole catalog. Loops over positions, vectorised over shoppers."""
    n_users, n_items, n_cat = len(category), len(items.category), len(items.category_names)
    successors = _successors(rng, items)
    p = 1.0 / (1.0 + _EXTRA_MEAN / 0.8)  # negative binomial, shape 0.8: a long tail of heavy shoppers
    length = np.minimum(_MIN_LENGTH + rng.negative_binomial(0.8, p, n_users), _MAX_LENGTH)
    everyone = np.zeros(n_users, np.int64)
    by_popularity = _sample_within(np.zeros(n_items, np.int64), items.popularity, 1, everyone, rng.random(n_users))
    # a few spare steps stand in for the repeats dropped below, so every history keeps its length
    steps = np.full((n_users, int(length.max()) + _SPARE), -1, dtype=np.int32)
    last = by_popularity
    for t in range(steps.shape[1]):
        alive = np.flatnonzero(length + _SPARE > t)
        mode = rng.random(len(alive))
        pick = _sample_within(np.zeros(n_items, np.int64), items.popularity, 1, np.zeros(len(alive), np.int64),
                              rng.random(len(alive)))
        preferred = category[alive, _slot(weight[alive], rng.random(len(alive)))]
        in_category = _sample_within(items.category, items.popularity, n_cat, preferred, rng.random(len(alive)))
        pick = np.where(mode < _FOLLOW + _CATEGORY, in_category, pick)
        if t > 0:
            slot = np.searchsorted(np.cumsum(_SUCCESSOR_WEIGHTS), rng.random(len(alive)) * 0.999999)
            pick = np.where(mode < _FOLLOW, successors[last[alive], slot], pick)
        steps[alive, t] = pick
        last[alive] = pick
    user = np.repeat(np.arange(n_users, dtype=np.int32), steps.shape[1]).reshape(steps.shape)
    kept = steps >= 0
    user, item = user[kept], steps[kept]
    # a product once per shopper (reviews are not repeated): keep its first purchase
    _, first = np.unique(user.astype(np.int64) * n_items + item, return_index=True)
    first.sort()
    user, item = user[first], item[first]
    rank = np.arange(len(user)) - np.searchsorted(user, user, side="left")
    kept = rank < length[user]
    return user[kept], item[kept]


def _table(rng: np.random.Generator, user: np.ndarray, item: np.ndarray, n_users: int,
           item_ids: np.ndarray) -> pd.DataFrame:
    """The events table: strictly increasing timestamps per shopper, all ``purchase``."""
    per_user = np.bincount(user, minlength=n_users)
    first = np.concatenate([[0], np.cumsum(per_user)[:-1]])
    gap = (1 + rng.exponential(_MEAN_GAP, len(user))).astype(np.int64)
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[first] - gap[first], per_user)
    timestamp = np.repeat(_START + rng.integers(0, 365 * 86_400, n_users), per_user) + elapsed
    n = len(user)
    return pd.DataFrame({
        "user_id": pd.Categorical.from_codes(user, pd.Index(_ids("u", n_users), dtype=object)),
        "item_id": pd.Categorical.from_codes(item, pd.Index(item_ids, dtype=object)),
        "timestamp": _text(pc.cast(pa.array(timestamp), pa.string())),
        "event": pd.Categorical.from_codes(np.zeros(n, np.int8), pd.Index(["purchase"], dtype=object)),
        "value": _text(pa.nulls(n, pa.string())),
    })
