"""The synthetic e-commerce generator: determinism, schema, funnel order, planted preferences, sizes, loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from whyrec.data import DataSource, load_dataset
from whyrec.data.builtin.synthetic import MAX_EVENTS, SyntheticConfig, SyntheticData, generate, write_synthetic

N_EVENTS = 20_000


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate(SyntheticConfig(n_events=N_EVENTS, seed=7))


def _text_cells(column: pd.Series) -> bool:
    """Every present cell is a str."""
    return all(isinstance(v, str) for v in column.dropna().astype(object))


def _with_attributes(data: SyntheticData) -> pd.DataFrame:
    return data.events.astype({"user_id": str, "item_id": str}).merge(
        data.catalog[["item_id", "category", "brand"]], on="item_id", how="left", validate="many_to_one")


# ---- determinism -------------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables() -> None:
    a = generate(SyntheticConfig(n_events=5_000, seed=3))
    b = generate(SyntheticConfig(n_events=5_000, seed=3))
    for name in ("events", "catalog", "users", "preferences"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_other_seed_gives_other_data() -> None:
    a = generate(SyntheticConfig(n_events=5_000, seed=3))
    b = generate(SyntheticConfig(n_events=5_000, seed=4))
    assert not a.events.equals(b.events)
    assert not a.preferences.equals(b.preferences)


# ---- schema ------------------------------------------------------------------------------------------


def test_events_columns_are_text_like_a_file(data: SyntheticData) -> None:
    events = data.events
    assert list(events.columns) == ["user_id", "item_id", "timestamp", "event", "value"]
    for column in events.columns:
        assert _text_cells(events[column]), column
    assert events[["user_id", "item_id", "timestamp", "event"]].notna().all().all()
    assert set(events["event"].astype(str)) == {"view", "cart", "purchase"}
    assert events["user_id"].astype(str).str.fullmatch(r"u\d{5,}").all()
    assert events["item_id"].astype(str).str.fullmatch(r"p\d{5,}").all()
    assert events["timestamp"].str.fullmatch(r"\d{10}").all()


def test_value_is_the_quantity_of_purchases_only(data: SyntheticData) -> None:
    events = data.events
    purchase = (events["event"] == "purchase").to_numpy()
    assert events["value"][purchase].notna().all()
    assert events["value"][~purchase].isna().all()
    quantity = events["value"][purchase].astype(int)
    assert (quantity >= 1).all() and (quantity <= 9).all()


def test_events_are_sorted_by_user_then_time(data: SyntheticData) -> None:
    user = data.events["user_id"].cat.codes.to_numpy()
    stamps = data.events["timestamp"].astype(np.int64).to_numpy()
    assert (np.diff(user) >= 0).all()
    same_user = np.diff(user) == 0
    assert (np.diff(stamps)[same_user] >= 0).all()


def test_catalog_users_and_preferences_schema(data: SyntheticData) -> None:
    catalog, users, preferences = data.catalog, data.users, data.preferences
    assert list(catalog.columns) == ["item_id", "title", "category", "brand", "price", "description"]
    assert list(users.columns) == ["user_id", "age", "gender"]
    assert list(preferences.columns) == ["user_id", "attribute", "value", "weight"]
    for table in (catalog, users):
        for column in table.columns:
            assert _text_cells(table[column]), column
        assert table.iloc[:, 0].is_unique
    assert catalog["price"].astype(float).gt(0).all()
    assert users["age"].astype(int).between(16, 85).all()
    assert set(users["gender"]) <= {"F", "M"}
    # titles read like products: brand, adjective, the category's noun, a model number
    first = catalog.iloc[0]
    assert first["title"].startswith(first["brand"] + " ")
    assert first["title"].split()[-1].isdigit()
    assert catalog["title"].str.len().gt(10).all()


def test_every_event_names_a_known_user_and_item(data: SyntheticData) -> None:
    assert set(data.events["item_id"].astype(str)) <= set(data.catalog["item_id"])
    assert set(data.events["user_id"].astype(str)) <= set(data.users["user_id"])


def test_preferences_are_one_to_three_weighted_values_that_exist(data: SyntheticData) -> None:
    prefs = data.preferences
    assert set(prefs["attribute"]) == {"category", "brand"}
    counts = prefs.groupby(["user_id", "attribute"]).size()
    assert counts.between(1, 3).all()
    assert counts.groupby(level="attribute").mean().between(1.5, 2.5).all()  # 1, 2 and 3 all occur
    assert set(prefs["user_id"]) == set(data.users["user_id"])
    assert np.allclose(prefs.groupby(["user_id", "attribute"])["weight"].sum(), 1.0)
    assert not prefs.duplicated(["user_id", "attribute", "value"]).any()
    known = {"category": set(data.catalog["category"]), "brand": set(data.catalog["brand"])}
    for attribute, values in known.items():
        assert set(prefs.loc[prefs["attribute"] == attribute, "value"]) <= values


def test_brands_belong_mostly_to_a_few_categories(data: SyntheticData) -> None:
    share_of_main = (data.catalog.groupby("brand")["category"]
                     .agg(lambda c: c.value_counts(normalize=True).iloc[0]))
    assert share_of_main.mean() > 0.8
    assert data.catalog.groupby("brand")["category"].nunique().max() <= 2


# ---- the funnel --------------------------------------------------------------------------------------


def test_views_precede_carts_precede_purchases(data: SyntheticData) -> None:
    events = data.events.assign(timestamp=data.events["timestamp"].astype(np.int64),
                                event=data.events["event"].astype(str))
    pair = ["user_id", "item_id"]
    first_view = events[events["event"] == "view"].groupby(pair, observed=True)["timestamp"].min().rename("view")
    first_cart = events[events["event"] == "cart"].groupby(pair, observed=True)["timestamp"].min().rename("cart")
    for kind in ("cart", "purchase"):
        rows = events[events["event"] == kind].join(first_view, on=pair)
        assert rows["view"].notna().all(), f"a {kind} without any view of its item"
        assert (rows["view"] < rows["timestamp"]).all(), f"a {kind} not preceded by a view"
    purchases = events[events["event"] == "purchase"].join(first_cart, on=pair)
    carted_before = (purchases["cart"] < purchases["timestamp"]).mean()
    assert carted_before > 0.8  # usually carted first; a few "buy now"
    counts = events["event"].value_counts(normalize=True)
    assert counts["view"] > counts["cart"] > counts["purchase"] > 0.05


# ---- planted preferences -----------------------------------------------------------------------------


@pytest.mark.parametrize(("attribute", "at_least"), [("category", 0.6), ("brand", 0.35)])
def test_users_concentrate_on_their_planted_preferences(data: SyntheticData, attribute: str,
                                                        at_least: float) -> None:
    events = _with_attributes(data)
    preferred = data.preferences[data.preferences["attribute"] == attribute]
    liked = set(zip(preferred["user_id"], preferred["value"], strict=True))
    hit = np.fromiter(((u, v) in liked for u, v in zip(events["user_id"], events[attribute], strict=True)), bool)
    share = pd.Series(hit).groupby(events["user_id"].to_numpy()).mean()
    # base rate: the share of all events that would fall in the same user's preferred values by chance
    overall = events[attribute].value_counts(normalize=True)
    base = preferred.assign(p=preferred["value"].map(overall).fillna(0.0)).groupby("user_id")["p"].sum()
    assert share.mean() > at_least
    assert share.mean() > base.reindex(share.index).mean() + 0.25


def test_item_popularity_is_long_tailed(data: SyntheticData) -> None:
    counts = data.events["item_id"].astype(str).value_counts()
    counts = counts.reindex(data.catalog["item_id"], fill_value=0).sort_values(ascending=False)
    top_tenth = counts.iloc[: len(counts) // 10].sum() / counts.sum()
    assert top_tenth > 0.3


# ---- sizes -------------------------------------------------------------------------------------------


def test_sizes_scale_with_n_events() -> None:
    small, large = SyntheticConfig(n_events=5_000).resolved(), SyntheticConfig(n_events=50_000).resolved()
    assert small.n_users is not None and large.n_users is not None
    assert large.n_users > small.n_users
    assert large.n_items is not None and small.n_items is not None and large.n_items >= small.n_items
    for n_events in (5_000, 50_000):
        generated = generate(SyntheticConfig(n_events=n_events))
        assert abs(len(generated.events) - n_events) / n_events < 0.02
        resolved = SyntheticConfig(n_events=n_events).resolved()
        assert len(generated.users) == resolved.n_users
        assert len(generated.catalog) == resolved.n_items
        assert generated.catalog["category"].nunique() == resolved.n_categories
        assert generated.catalog["brand"].nunique() == resolved.n_brands


def test_explicit_sizes_are_used() -> None:
    generated = generate(SyntheticConfig(n_events=3_000, n_users=40, n_items=120, n_categories=3, n_brands=5))
    assert len(generated.users) == 40 and generated.events["user_id"].nunique() <= 40
    assert len(generated.catalog) == 120
    assert generated.catalog["category"].nunique() == 3
    assert generated.catalog["brand"].nunique() == 5


def test_config_is_frozen_and_strict() -> None:
    config = SyntheticConfig(n_events=5_000)
    with pytest.raises(ValidationError):
        config.seed = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        SyntheticConfig(n_events=5_000, n_event=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SyntheticConfig(n_events=999)
    with pytest.raises(ValidationError):
        SyntheticConfig(n_events=MAX_EVENTS + 1)
    with pytest.raises(ValidationError, match="n_brands"):
        SyntheticConfig(n_events=5_000, n_categories=10, n_brands=5)


# ---- files and loading -------------------------------------------------------------------------------


def test_write_synthetic_files_load_back(tmp_path: Path) -> None:
    config = SyntheticConfig(n_events=5_000, seed=2)
    paths = write_synthetic(config, tmp_path / "out")
    assert set(paths) == {"events", "catalog", "users", "preferences"}
    assert all(p.exists() and p.suffix == ".csv" for p in paths.values())
    assert paths["events"].read_text().splitlines()[0] == "user_id,item_id,timestamp,event,value"
    data = generate(config)
    dataset, report = load_dataset(paths["events"], catalog=paths["catalog"], users=paths["users"])
    assert report.rows_read == len(data.events)
    assert dataset.n_items == len(data.catalog)
    assert dataset.n_users == data.events["user_id"].nunique()
    assert set(dataset.events.event_names) == {"view", "cart", "purchase"}
    assert {"category", "brand", "price_band"} <= set(dataset.catalog.attributes.names)
    assert "gender" in dataset.user_attributes.names
    preferences = pd.read_csv(paths["preferences"])
    assert len(preferences) == len(data.preferences)


def test_builtin_synthetic_loads_by_name() -> None:
    dataset, report = load_dataset("synthetic")
    assert dataset.name == "synthetic"
    assert report.rows_read == len(generate(SyntheticConfig(n_events=100_000)).events)
    assert dataset.interactions.shape == (dataset.n_users, dataset.n_items)
    assert {"category", "brand"} <= set(dataset.catalog.attributes.names)
    first = dataset.users.ids[0]
    assert len(dataset.history(first).items) > 0


def test_builtin_synthetic_size_and_seed_come_from_the_source() -> None:
    a, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=1).load()
    b, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=1).load()
    c, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=2).load()
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert abs(len(a.events) - 5_000) < 100


def test_the_longtail_preset_has_a_large_catalog_with_a_long_tail() -> None:
    longtail, _ = DataSource(source="synthetic-longtail", synthetic_events=8_000).load()
    shop, _ = DataSource(source="synthetic", synthetic_events=8_000).load()
    assert longtail.name == "synthetic-longtail" and longtail.n_items == 800 and shop.n_items == 200
    users_per_item = longtail.item_user_counts[longtail.active_items]
    assert np.median(users_per_item) <= 4 < np.median(shop.item_user_counts[shop.active_items])
    top = np.sort(users_per_item)[::-1][: len(users_per_item) // 10]
    assert top.sum() > 0.3 * users_per_item.sum()  # a tenth of the products gets a third of the shoppers


def test_builtin_tables_are_what_load_reads(tmp_path: Path) -> None:
    source = DataSource(source="synthetic-longtail", synthetic_events=5_000, seed=3)
    tables = source.builtin_tables()
    assert tables is not None
    events, catalog, users = tables
    assert catalog is not None and users is not None
    dataset, _ = source.load()
    assert len(dataset.events) == len(events) and dataset.n_items == len(catalog)
    assert set(dataset.catalog.attributes.categorical) >= {"category", "brand"}
    events.to_csv(tmp_path / "events.csv", index=False)
    assert DataSource(source=str(tmp_path / "events.csv")).builtin_tables() is None  # a file has none
