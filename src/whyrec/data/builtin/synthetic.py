"""A seeded e-commerce generator with planted preferences, so explanations can be checked against the truth.

Each user prefers 1-3 categories and 1-3 brands. Every *interaction* picks an item from a preferred brand,
a preferred category, or the whole (long-tailed) catalog, then becomes a funnel of events: a view, often
a cart later, sometimes a purchase after the cart. Everything is vectorised with numpy, so 10 million
events take seconds; the same seed always gives the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SyntheticConfig", "SyntheticData", "generate", "write_synthetic"]

_CATEGORIES = [
    ("Running Shoes", "Shoe"), ("Hiking Boots", "Boot"), ("Rain Jackets", "Jacket"), ("Backpacks", "Backpack"),
    ("Headphones", "Headphones"), ("Smartwatches", "Watch"), ("Coffee Makers", "Coffee Maker"),
    ("Blenders", "Blender"), ("Yoga Mats", "Mat"), ("Tents", "Tent"), ("Board Games", "Game"),
    ("Water Bottles", "Bottle"), ("Desk Lamps", "Lamp"), ("Office Chairs", "Chair"), ("Skincare", "Serum"),
    ("Cookware", "Pan"), ("Kids Books", "Storybook"), ("Bicycles", "Bike"), ("Cameras", "Camera"),
    ("Garden Tools", "Trowel"), ("Pet Supplies", "Pet Bed"), ("Sunglasses", "Sunglasses"),
    ("Luggage", "Suitcase"), ("Keyboards", "Keyboard"),
]
_BRAND_SYLLABLES = ["Ac", "me", "Vor", "ta", "Lu", "men", "Ko", "ra", "Zen", "it", "Pi", "lo", "Nor", "da", "Ve",
                    "lo", "Ori", "on", "Sol", "ace", "Tri", "ve", "Al", "pine"]
_ADJECTIVES = ["Trail", "Ultra", "Classic", "Pro", "Lite", "Everyday", "Urban", "Eco", "Compact", "Deluxe", "Sport",
               "Travel", "Smart", "Summit", "Breeze", "Nova"]
_BRAND_MODE, _CATEGORY_MODE = 0.35, 0.45  # the rest (0.20) is drawn from the whole catalog by popularity
_CART_RATE, _PURCHASE_RATE = 0.3, 0.5     # P(cart | view), P(purchase | cart)


class SyntheticConfig(BaseModel):
    """Size and seed of a synthetic dataset; sizes left None are derived from `n_events`.

    Example:
        >>> SyntheticConfig(n_events=100_000).resolved().n_users
        2500
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_events: int = Field(default=100_000, ge=1_000, le=10_000_000)
    """About how many events to generate (the funnel makes the count approximate, within 1%)."""
    seed: int = 0
    """Random seed."""
    n_users: int | None = Field(default=None, ge=10)
    """Shoppers (default: n_events / 40)."""
    n_items: int | None = Field(default=None, ge=50)
    """Products (default: n_events / 100, at least 200, at most 200,000)."""
    n_categories: int | None = Field(default=None, ge=2, le=len(_CATEGORIES))
    """Categories (default: 12 for small data, up to 24)."""
    n_brands: int | None = Field(default=None, ge=2)
    """Brands (default: 4 per category)."""

    def resolved(self) -> SyntheticConfig:
        """The config with every size filled in."""
        n_categories = self.n_categories or (12 if self.n_events < 1_000_000 else 24)
        return self.model_copy(update={
            "n_users": self.n_users or max(50, self.n_events // 40),
            "n_items": self.n_items or int(np.clip(self.n_events // 100, 200, 200_000)),
            "n_categories": n_categories,
            "n_brands": self.n_brands or 4 * n_categories,
        })


@dataclass(frozen=True)
class SyntheticData:
    """Generated tables, string-typed like files on disk.

    Attributes:
        events: ``user_id, item_id, timestamp, event, value`` (value = quantity on purchases).
        catalog: ``item_id, title, category, brand, price, description``.
        users: ``user_id, age, gender``.
        preferences: the planted truth: ``user_id, attribute, value, weight``.
    """

    events: pd.DataFrame
    catalog: pd.DataFrame
    users: pd.DataFrame
    preferences: pd.DataFrame


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(5, len(str(n - 1)))
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width))


def _sample_within(groups: np.ndarray, weights: np.ndarray, n_groups: int, chosen: np.ndarray,
                   uniform: np.ndarray) -> np.ndarray:
    """For each draw, an element of group `chosen[i]` with probability proportional to `weights`.

    Each group's CDF is shifted by its group number, so one searchsorted serves every group at once.
    """
    order = np.lexsort((np.arange(len(groups)), groups))
    g, w = groups[order], weights[order]
    totals = np.bincount(g, weights=w, minlength=n_groups)
    cdf = np.cumsum(w) - np.concatenate([[0.0], np.cumsum(totals)])[g]
    cdf = g + cdf / np.maximum(totals[g], 1e-12)
    pos = np.searchsorted(cdf, chosen + np.clip(uniform, 1e-9, 1 - 1e-9), side="left")
    return order[np.minimum(pos, len(order) - 1)]


def generate(config: SyntheticConfig | None = None) -> SyntheticData:
    """Generate a dataset; the same config always gives identical tables."""
    cfg = (config or SyntheticConfig()).resolved()
    n_users, n_items = int(cfg.n_users or 0), int(cfg.n_items or 0)
    n_cat, n_brands = int(cfg.n_categories or 0), int(cfg.n_brands or 0)
    rng = np.random.default_rng(cfg.seed)

    # catalog: each brand serves one main category (and sometimes a second one)
    brand_main = np.arange(n_brands) % n_cat
    brand_second = np.where(rng.random(n_brands) < 0.3, rng.integers(0, n_cat, n_brands), brand_main)
    brand_names = np.array([
        "".join(rng.choice(_BRAND_SYLLABLES, size=2)).capitalize()
        for b in range(n_brands)])
    _, first = np.unique(brand_names, return_index=True)
    brand_names = np.array([n if i in set(first) else f"{n}{i}" for i, n in enumerate(brand_names)])
    item_brand = rng.integers(0, n_brands, n_items)
    item_category = np.where(rng.random(n_items) < 0.8, brand_main[item_brand], brand_second[item_brand])
    popularity = 1.0 / (1 + rng.permutation(n_items)) ** 0.8
    price = np.round(np.exp(rng.normal(3.2 + 0.12 * item_category, 0.6)), 2)
    nouns = np.array([_CATEGORIES[c][1] for c in range(n_cat)])
    adjective = rng.choice(_ADJECTIVES, n_items)
    titles = [f"{brand_names[b]} {a} {nouns[c]} {i % 97 + 1}" for i, (b, a, c) in
              enumerate(zip(item_brand, adjective, item_category, strict=True))]
    descriptions = [f"The {a} {nouns[c].lower()} by {brand_names[b]}, made for {_CATEGORIES[c][0].lower()} fans."
                    for b, a, c in zip(item_brand, adjective, item_category, strict=True)]
    item_ids = _ids("p", n_items)

    # users and their planted preferences
    n_pref_cat = rng.integers(1, 4, n_users)
    pref_cat = np.stack([rng.permutation(n_cat)[:3] for _ in range(n_users)])
    cat_brands = [np.flatnonzero((brand_main == c) | (brand_second == c)) for c in range(n_cat)]
    n_pref_brand = rng.integers(1, 4, n_users)
    pref_brand = np.empty((n_users, 3), dtype=np.int64)
    for u in range(n_users):
        pool = np.concatenate([cat_brands[c] for c in pref_cat[u, : n_pref_cat[u]]])
        pref_brand[u] = rng.choice(pool, 3, replace=len(pool) < 3)

    # interactions: funnel size makes events ~ 1.45 x interactions
    n_interactions = int(round(cfg.n_events / (1 + _CART_RATE + _CART_RATE * _PURCHASE_RATE)))
    activity = rng.lognormal(0.0, 0.8, n_users)
    per_user = np.maximum(1, np.floor(activity / activity.sum() * n_interactions)).astype(np.int64)
    per_user[np.argmax(per_user)] += max(0, n_interactions - per_user.sum())
    user = np.repeat(np.arange(n_users), per_user)
    n = len(user)
    mode = rng.random(n)
    slot = (rng.random(n) * np.where(mode < _BRAND_MODE, n_pref_brand[user], n_pref_cat[user])).astype(np.int64)
    item = np.empty(n, dtype=np.int64)
    by_brand = mode < _BRAND_MODE
    by_cat = (mode >= _BRAND_MODE) & (mode < _BRAND_MODE + _CATEGORY_MODE)
    anywhere = ~(by_brand | by_cat)
    item[by_brand] = _sample_within(item_brand, popularity, n_brands, pref_brand[user[by_brand], slot[by_brand]],
                                    rng.random(by_brand.sum()))
    item[by_cat] = _sample_within(item_category, popularity, n_cat, pref_cat[user[by_cat], slot[by_cat]],
                                  rng.random(by_cat.sum()))
    item[anywhere] = _sample_within(np.zeros(n_items, dtype=np.int64), popularity, 1,
                                    np.zeros(anywhere.sum(), dtype=np.int64), rng.random(anywhere.sum()))

    # time: each user starts somewhere in the first 180 days and spreads their visits over about 90 days;
    # funnel steps follow within hours
    start = 1_700_000_000 + rng.integers(0, 180 * 86_400, n_users)
    gaps = rng.exponential(1.0, n) * (90 * 86_400 / per_user[user])
    first_of_user = np.concatenate([[0], np.cumsum(per_user)[:-1]])
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[first_of_user] - gaps[first_of_user], per_user)
    t_view = start[user] + elapsed.astype(np.int64)
    carted = rng.random(n) < _CART_RATE
    bought = carted & (rng.random(n) < _PURCHASE_RATE)
    t_cart = t_view + rng.integers(60, 3_600, n)
    t_buy = t_cart + rng.integers(60, 7_200, n)
    quantity = rng.integers(1, 4, n)

    parts = [(np.ones(n, bool), t_view, 0), (carted, t_cart, 1), (bought, t_buy, 2)]
    ev_user = np.concatenate([user[m] for m, _, _ in parts])
    ev_item = np.concatenate([item[m] for m, _, _ in parts])
    ev_time = np.concatenate([t[m] for m, t, _ in parts])
    ev_kind = np.concatenate([np.full(m.sum(), k, np.int8) for m, _, k in parts])
    ev_qty = np.concatenate([np.zeros(n), np.zeros(carted.sum()), quantity[bought]])
    order = np.lexsort((ev_kind, ev_time, ev_user))

    events = pd.DataFrame({
        "user_id": pd.Categorical.from_codes(ev_user[order], _ids("u", n_users)),
        "item_id": pd.Categorical.from_codes(ev_item[order], item_ids),
        "timestamp": ev_time[order].astype(str),
        "event": pd.Categorical.from_codes(ev_kind[order], ["view", "cart", "purchase"]),
        "value": pd.array(np.where(ev_kind[order] == 2, ev_qty[order].astype(int).astype(str), None), dtype="string"),
    })
    catalog = pd.DataFrame({
        "item_id": item_ids, "title": titles, "category": [_CATEGORIES[c][0] for c in item_category],
        "brand": brand_names[item_brand], "price": price.astype(str), "description": descriptions,
    })
    users = pd.DataFrame({"user_id": _ids("u", n_users), "age": rng.integers(16, 75, n_users).astype(str),
                          "gender": rng.choice(np.array(["F", "M"]), n_users)})
    rows = []
    for u in range(n_users):
        uid = f"u{str(u).zfill(max(5, len(str(n_users - 1))))}"
        rows += [(uid, "category", _CATEGORIES[c][0], 1.0 / n_pref_cat[u]) for c in pref_cat[u, : n_pref_cat[u]]]
        rows += [(uid, "brand", brand_names[b], 1.0 / n_pref_brand[u]) for b in pref_brand[u, : n_pref_brand[u]]]
    preferences = pd.DataFrame(rows, columns=["user_id", "attribute", "value", "weight"])
    return SyntheticData(events, catalog, users, preferences)


def write_synthetic(config: SyntheticConfig, out_dir: Path) -> dict[str, Path]:
    """Write ``events.csv``, ``catalog.csv``, ``users.csv`` and ``preferences.csv`` into `out_dir`."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    data = generate(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in ("events", "catalog", "users", "preferences"):
        path = out_dir / f"{name}.csv"
        table = pa.Table.from_pandas(getattr(data, name), preserve_index=False)
        pacsv.write_csv(table, path)
        paths[name] = path
    return paths
