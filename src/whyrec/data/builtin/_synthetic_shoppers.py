"""The synthetic shop's shoppers: planted preferences, interactions drawn from them, and their event funnels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from whyrec.data.builtin._synthetic_shop import _ids, _Items

__all__ = ["_Preferences", "_events", "_interactions", "_users"]

_BRAND_MODE, _CATEGORY_MODE = 0.35, 0.45  # the rest (0.20) comes from the whole catalog, by popularity
# P(cart | view), P(purchase | cart), P(purchase | no cart)
_CART_RATE, _PURCHASE_RATE, _BUY_NOW_RATE = 0.30, 0.50, 0.02
_NEW_SESSION_RATE = 0.3  # P(an interaction starts a new session)
_START = 1_700_000_000  # 2023-11-14, epoch seconds
_CHUNK = 65_536  # users per chunk where a per-user matrix is built


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
