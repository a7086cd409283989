"""A seeded e-commerce generator with planted preferences, so explanations can be checked against the truth.

Each shopper prefers 1-3 categories and 1-3 brands (the brands serve those categories) with unequal weights.
Every *interaction* picks a product from a preferred brand, from a preferred category, or from the whole
catalog (long-tailed popularity), and then becomes a small funnel: a view, often a cart a few minutes later,
sometimes a purchase after the cart (rarely a "buy now" without one). Interactions come in sessions of a
few minutes, sessions days apart.

Everything is vectorised with numpy (loops run over chunks of users, never over events), so 10 million
events take well under a minute; the same config always gives identical tables.

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
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, model_validator

from whyrec import progress

__all__ = ["SyntheticConfig", "SyntheticData", "generate", "write_synthetic"]

# (category, product noun, typical price)
_CATEGORIES = (
    ("Running Shoes", "Running Shoe", 90), ("Hiking Boots", "Hiking Boot", 140), ("Rain Jackets", "Rain Jacket", 120),
    ("Backpacks", "Backpack", 70), ("Headphones", "Headphones", 110), ("Smartwatches", "Smartwatch", 220),
    ("Coffee Makers", "Coffee Maker", 95), ("Blenders", "Blender", 60), ("Yoga Mats", "Yoga Mat", 35),
    ("Tents", "Tent", 180), ("Board Games", "Board Game", 40), ("Water Bottles", "Water Bottle", 20),
    ("Desk Lamps", "Desk Lamp", 45), ("Office Chairs", "Office Chair", 240), ("Skincare", "Face Serum", 30),
    ("Cookware", "Frying Pan", 55), ("Kids Books", "Storybook", 12), ("Bicycles", "Bicycle", 650),
    ("Cameras", "Camera", 540), ("Garden Tools", "Garden Trowel", 25), ("Pet Supplies", "Pet Bed", 45),
    ("Sunglasses", "Sunglasses", 80), ("Luggage", "Suitcase", 160), ("Keyboards", "Keyboard", 85),
)
_BRAND_STEMS = (
    "Acme", "Vorta", "Lumen", "Kora", "Zenith", "Pilot", "Norda", "Velo", "Orion", "Solace", "Trive", "Alpine",
    "Brisk", "Cobalt", "Dune", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Lark", "Maple",
    "Nimbus", "Onyx", "Pioneer", "Quill", "Ridge", "Sable", "Tundra", "Umber", "Vista", "Willow", "Xeno", "Yonder",
    "Zephyr", "Aster", "Boreal", "Cedar", "Delta", "Echo", "Flint", "Glacier", "Helix", "Indigo", "Jasper", "Koa",
)
_BRAND_SUFFIXES = ("", " Works", " Labs", " & Co")
_BRANDS = tuple(stem + suffix for suffix in _BRAND_SUFFIXES for stem in _BRAND_STEMS)
_ADJECTIVES = ("Trail", "Ultra", "Classic", "Pro", "Lite", "Everyday", "Urban", "Eco", "Compact", "Deluxe", "Sport",
               "Travel", "Smart", "Summit", "Breeze", "Nova", "Prime", "Flex", "Aero", "Terra")

_BRAND_MODE, _CATEGORY_MODE = 0.35, 0.45  # the rest (0.20) comes from the whole catalog, by popularity
# P(cart | view), P(purchase | cart), P(purchase | no cart)
_CART_RATE, _PURCHASE_RATE, _BUY_NOW_RATE = 0.30, 0.50, 0.02
_NEW_SESSION_RATE = 0.3  # P(an interaction starts a new session)
_START = 1_700_000_000  # 2023-11-14, epoch seconds
_CHUNK = 65_536  # users per chunk where a per-user matrix is built


class SyntheticConfig(BaseModel):
    """Size and seed of a synthetic dataset; sizes left None are derived from `n_events`.

    Example:
        >>> SyntheticConfig(n_events=100_000).resolved().n_users
        2500
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_events: int = Field(default=100_000, ge=1_000, le=10_000_000)
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


def _ids(prefix: str, n: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers: ``u000123``."""
    width = max(5, len(str(n - 1)))
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width)).astype(object)


def _text(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array as a pandas Series of Arrow-backed text (no Python object per cell)."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values]) if isinstance(values, pa.Array)
                                                else values))


def _sample_within(groups: np.ndarray, weights: np.ndarray, n_groups: int, chosen: np.ndarray,
                   uniform: np.ndarray) -> np.ndarray:
    """For each draw, an element of group ``chosen[i]`` with probability proportional to `weights`.

    Each group's CDF is shifted by its group number, so one searchsorted serves every group at once.
    Every group in `chosen` must have an element.
    """
    order = np.lexsort((np.arange(len(groups)), groups))
    g, w = groups[order], weights[order]
    totals = np.bincount(g, weights=w, minlength=n_groups)
    cdf = np.cumsum(w) - np.concatenate([[0.0], np.cumsum(totals)])[g]
    cdf = g + cdf / np.maximum(totals[g], 1e-12)
    pos = np.searchsorted(cdf, chosen + np.clip(uniform, 1e-9, 1 - 1e-9), side="left")
    return order[np.minimum(pos, len(order) - 1)].astype(np.int32)


def _pick_preferred(rng: np.random.Generator, allowed: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, ...]:
    """Up to 3 distinct allowed columns per row, at random, with random weights.

    Args:
        rng: the generator.
        allowed: (n_rows, n_cols) bool; each row has at least one allowed column.
        wanted: (n_rows,) how many to pick (1..3), capped at the number allowed.

    Returns:
        (picked, n, weight): (n_rows, 3) column indices (only the first n of a row count), (n_rows,) counts,
        and (n_rows, 3) weights summing to 1 over the first n.
    """
    keys = rng.random(allowed.shape, dtype=np.float32)
    keys[~allowed] = 2.0
    picked = np.argsort(keys, axis=1)[:, :3].astype(np.int32)
    n = np.minimum(wanted, allowed.sum(axis=1))
    weight = rng.gamma(2.0, size=(len(allowed), 3)) * (np.arange(3) < n[:, None])
    return picked, n, weight / weight.sum(axis=1, keepdims=True)


def _slot(weights: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Which of 3 weighted slots each draw falls in."""
    cumulative = np.cumsum(weights, axis=1)
    return ((uniform > cumulative[:, 0]).astype(np.int8) + (uniform > cumulative[:, 1])).astype(np.intp)


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


@dataclass(frozen=True)
class _Items:
    brand: np.ndarray  # (n_items,) int32 brand index
    category: np.ndarray  # (n_items,) int32 category index
    popularity: np.ndarray  # (n_items,) float64, Zipf-like
    brand_names: np.ndarray  # (n_brands,) object
    category_names: np.ndarray  # (n_categories,) object
    serves: np.ndarray  # (n_categories, n_brands) bool: the brand sells in the category


def _catalog(rng: np.random.Generator, n_items: int, n_cat: int, n_brands: int) -> tuple[pd.DataFrame, _Items]:
    """Items with brand, category, price, title and description; brands serve 1-2 categories."""
    brand_main = rng.permutation(np.arange(n_brands) % n_cat)  # every category has a main brand
    brand_second = np.where(rng.random(n_brands) < 0.3, rng.integers(0, n_cat, n_brands), brand_main)
    brand_names = np.array(_BRANDS, dtype=object)[rng.permutation(len(_BRANDS))[:n_brands]]
    item_brand = np.concatenate([rng.permutation(n_brands), rng.integers(0, n_brands, n_items - n_brands)])
    item_category = brand_main[item_brand]
    second = rng.random(n_items) < 0.2
    second[:n_brands] = False  # each brand's first item is in its main category
    item_category[second] = brand_second[item_brand[second]]
    popularity = 1.0 / (1.0 + rng.permutation(n_items)) ** 0.8  # Zipf-like ranks
    base_price = np.array([c[2] for c in _CATEGORIES[:n_cat]], dtype=np.float64)
    brand_tier = rng.lognormal(0.0, 0.25, n_brands)
    price = np.maximum(np.round(base_price[item_category] * brand_tier[item_brand]
                                * rng.lognormal(0.0, 0.35, n_items)), 1.0) - 0.01  # 89.99-style prices

    nouns = [c[1] for c in _CATEGORIES[:n_cat]]
    categories = [c[0] for c in _CATEGORIES[:n_cat]]
    adjective = rng.integers(0, len(_ADJECTIVES), n_items)
    model = rng.integers(1, 100, n_items)
    titles, descriptions = [], []
    for b, a, c, m in zip(brand_names[item_brand], adjective, item_category, model, strict=True):
        titles.append(f"{b} {_ADJECTIVES[a]} {nouns[c]} {m}")
        descriptions.append(f"The {_ADJECTIVES[a].lower()} {nouns[c].lower()} from {b}, "
                            f"for {categories[c].lower()} fans.")
    catalog = pd.DataFrame({
        "item_id": _ids("p", n_items),
        "title": titles,
        "category": np.array(categories, dtype=object)[item_category],
        "brand": brand_names[item_brand],
        "price": [f"{p:.2f}" for p in price],
        "description": descriptions,
    })
    serves = np.zeros((n_cat, n_brands), dtype=bool)
    serves[brand_main, np.arange(n_brands)] = True
    serves[brand_second, np.arange(n_brands)] = True
    items = _Items(item_brand.astype(np.int32), item_category.astype(np.int32), popularity, brand_names,
                   np.array(categories, dtype=object), serves)
    return catalog, items


@dataclass(frozen=True)
class _Preferences:
    category: np.ndarray  # (n_users, 3) category indices
    category_weight: np.ndarray  # (n_users, 3)
    brand: np.ndarray  # (n_users, 3) brand indices
    brand_weight: np.ndarray  # (n_users, 3)


def _users(rng: np.random.Generator, n_users: int,
           items: _Items) -> tuple[pd.DataFrame, pd.DataFrame, _Preferences]:
    """Users and their planted preferences (as a table and as arrays)."""
    n_cat, serves = len(items.category_names), items.serves.astype(np.int32)
    category = np.empty((n_users, 3), dtype=np.int32)
    brand = np.empty((n_users, 3), dtype=np.int32)
    n_category, n_brand = np.empty(n_users, np.int64), np.empty(n_users, np.int64)
    category_weight, brand_weight = np.empty((n_users, 3)), np.empty((n_users, 3))
    for lo in range(0, n_users, _CHUNK):
        hi = min(n_users, lo + _CHUNK)
        everything = np.ones((hi - lo, n_cat), dtype=bool)
        category[lo:hi], n_category[lo:hi], category_weight[lo:hi] = _pick_preferred(
            rng, everything, rng.integers(1, 4, hi - lo))
        chosen = np.zeros((hi - lo, n_cat), dtype=bool)
        rows = np.arange(hi - lo)
        for j in range(3):
            chosen[rows[j < n_category[lo:hi]], category[lo:hi, j][j < n_category[lo:hi]]] = True
        pool = (chosen.astype(np.int32) @ serves) > 0  # brands serving a preferred category
        brand[lo:hi], n_brand[lo:hi], brand_weight[lo:hi] = _pick_preferred(rng, pool, rng.integers(1, 4, hi - lo))

    user_ids = _ids("u", n_users)
    users = pd.DataFrame({
        "user_id": user_ids,
        "age": np.clip(np.round(rng.normal(38, 13, n_users)), 16, 85).astype(np.int64).astype(str).astype(object),
        "gender": np.array(["F", "M"], dtype=object)[rng.integers(0, 2, n_users)],
    })
    # one row per user and preferred value: the user's categories first, then brands, heaviest first
    columns: dict[str, list[np.ndarray]] = {"user": [], "attribute": [], "value": [], "weight": []}
    for code, (names, index, count, weight) in enumerate(((items.category_names, category, n_category,
                                                           category_weight),
                                                          (items.brand_names, brand, n_brand, brand_weight))):
        used = np.arange(3) < count[:, None]
        columns["user"].append(np.repeat(np.arange(n_users), count))
        columns["attribute"].append(np.full(int(count.sum()), code))
        columns["value"].append(names[index[used]])
        columns["weight"].append(weight[used])
    user, attribute, value, weight = (np.concatenate(columns[k]) for k in ("user", "attribute", "value", "weight"))
    order = np.lexsort((-weight, attribute, user))
    preferences = pd.DataFrame({
        "user_id": user_ids[user[order]],
        "attribute": np.array(["category", "brand"], dtype=object)[attribute[order]],
        "value": value[order],
        "weight": weight[order],
    })
    return users, preferences, _Preferences(category, category_weight, brand, brand_weight)


def _interactions(rng: np.random.Generator, n_events: int, prefs: _Preferences,
                  items: _Items) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) of every interaction, users in order; each interaction later becomes 1-3 events."""
    n_users = len(prefs.category)
    funnel = 1 + _CART_RATE + _CART_RATE * _PURCHASE_RATE + (1 - _CART_RATE) * _BUY_NOW_RATE
    n_interactions = max(n_users, int(round(n_events / funnel)))
    activity = rng.lognormal(0.0, 0.8, n_users)
    share = activity / activity.sum() * (n_interactions - n_users)  # everyone gets 1, the rest by activity
    per_user = np.floor(share).astype(np.int64)
    remainder = n_interactions - n_users - int(per_user.sum())
    per_user[np.argsort(per_user - share, kind="stable")[:remainder]] += 1  # largest remainders
    per_user += 1
    user = np.repeat(np.arange(n_users, dtype=np.int32), per_user)
    n = len(user)

    mode = rng.random(n, dtype=np.float32)
    by_brand = mode < _BRAND_MODE
    by_category = (mode >= _BRAND_MODE) & (mode < _BRAND_MODE + _CATEGORY_MODE)
    del mode
    item = np.empty(n, dtype=np.int32)
    u = user[by_brand]
    brand = prefs.brand[u, _slot(prefs.brand_weight[u], rng.random(len(u)))]
    item[by_brand] = _sample_within(items.brand, items.popularity, len(items.brand_names), brand,
                                    rng.random(len(u)))
    u = user[by_category]
    category = prefs.category[u, _slot(prefs.category_weight[u], rng.random(len(u)))]
    item[by_category] = _sample_within(items.category, items.popularity, len(items.category_names), category,
                                       rng.random(len(u)))
    anywhere = ~(by_brand | by_category)
    k = int(anywhere.sum())
    item[anywhere] = _sample_within(np.zeros(len(items.popularity), dtype=np.int64), items.popularity, 1,
                                    np.zeros(k, dtype=np.int64), rng.random(k))
    return user, item


def _events(rng: np.random.Generator, user: np.ndarray, item: np.ndarray, n_users: int,
            item_ids: np.ndarray) -> pd.DataFrame:
    """Timestamps and the view -> cart -> purchase funnel of each interaction, as an events table."""
    n = len(user)
    per_user = np.bincount(user, minlength=n_users)
    first = np.concatenate([[0], np.cumsum(per_user)[:-1]])
    # sessions: interactions a minute or two apart; sessions about (90 days / sessions per user) apart
    new_session = rng.random(n) < _NEW_SESSION_RATE
    sessions = np.maximum(1.0, _NEW_SESSION_RATE * per_user)
    gap = np.where(new_session, rng.exponential(1.0, n) * (90 * 86_400 / sessions)[user],
                   20 + rng.exponential(90.0, n)).astype(np.int64)
    del new_session
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[first] - gap[first], per_user)  # restart at each user's first interaction
    del gap
    t_view = np.repeat(_START + rng.integers(0, 180 * 86_400, n_users), per_user) + elapsed
    del elapsed
    carted = rng.random(n) < _CART_RATE
    bought = np.where(carted, rng.random(n) < _PURCHASE_RATE, rng.random(n) < _BUY_NOW_RATE)
    t_cart = t_view + rng.integers(20, 900, n)
    t_buy = np.where(carted, t_cart, t_view) + rng.integers(30, 1_800, n)
    quantity = np.minimum(rng.geometric(0.7, n), 9).astype(np.int8)

    ev_user = np.concatenate([user, user[carted], user[bought]])
    ev_item = np.concatenate([item, item[carted], item[bought]])
    ev_time = np.concatenate([t_view, t_cart[carted], t_buy[bought]])
    ev_kind = np.concatenate([np.zeros(n, np.int8), np.ones(int(carted.sum()), np.int8),
                              np.full(int(bought.sum()), 2, np.int8)])
    ev_qty = np.concatenate([np.zeros(n + int(carted.sum()), np.int8), quantity[bought]])
    del t_view, t_cart, t_buy, carted, bought, quantity
    # one int64 sort key: user, then time, then funnel step
    t0 = int(ev_time.min())
    time_bits = max(1, int(ev_time.max() - t0).bit_length())
    key = ((ev_user.astype(np.int64) << time_bits) | (ev_time - t0)) << 2 | ev_kind
    order = np.argsort(key, kind="stable")
    del key
    ev_user, ev_item, ev_time, ev_kind, ev_qty = (a[order] for a in (ev_user, ev_item, ev_time, ev_kind, ev_qty))
    del order

    purchase = ev_kind == 2
    value = pc.cast(pa.array(ev_qty, mask=~purchase), pa.string())
    return pd.DataFrame({
        "user_id": pd.Categorical.from_codes(ev_user, pd.Index(_ids("u", n_users), dtype=object)),
        "item_id": pd.Categorical.from_codes(ev_item, pd.Index(item_ids, dtype=object)),
        "timestamp": _text(pc.cast(pa.array(ev_time), pa.string())),
        "event": pd.Categorical.from_codes(ev_kind, pd.Index(["view", "cart", "purchase"], dtype=object)),
        "value": _text(value),
    })


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
