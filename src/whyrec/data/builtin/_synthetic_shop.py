"""The synthetic shop's catalog: category, brand and product names, and the generated products."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["_BRANDS", "_CATEGORIES", "_Items", "_catalog", "_ids"]

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


def _ids(prefix: str, n: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers: ``u000123``."""
    width = max(5, len(str(n - 1)))
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width)).astype(object)


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
