"""Shared data fixtures: real ml-100k, a tiny hand-made block dataset, and their splits.

Session-scoped fixtures are checked after the session for mutation (LensKit's ml_ds idea).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

from whyrec import load_dataset
from whyrec.data import Dataset, build_dataset
from whyrec.evaluate import Split, split_dataset
from whyrec.testing import block_events

# no per-example deadline: a busy CI machine makes one slow example, not a bug (the suite's timing rule)
settings.register_profile("whyrec", deadline=None)
settings.load_profile("whyrec")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a test marked slow first, each file's order kept: the parallel workers of ``make test``
    (pytest-xdist, ``--dist loadfile``) then start the long files early and end together."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


def _snapshot(dataset: Dataset) -> tuple[np.ndarray, ...]:
    ev = dataset.events
    return ev.user.copy(), ev.item.copy(), ev.weight.copy(), ev.timestamp.copy()


@pytest.fixture(scope="session")
def ml100k() -> Dataset:
    """MovieLens-100K from the recbole wheel (fetched once into the user cache)."""
    dataset, _ = load_dataset("ml-100k")
    before = _snapshot(dataset)
    yield dataset
    after = _snapshot(dataset)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True)), "a test mutated ml100k"


@pytest.fixture(scope="session")
def ml100k_split(ml100k: Dataset) -> Split:
    """ml-100k under PROTOCOL.md."""
    return split_dataset(ml100k)


@pytest.fixture(scope="session")
def blocks() -> Dataset:
    """40 users x 20 items in two taste groups (see block_events)."""
    return build_dataset(block_events(), name="blocks")


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory: pytest.TempPathFactory):
    """One MiniLM embedding cache for the whole session, outside the user's cache.

    The encoder is loaded at most once per process (whyrec.models.text keeps it) and each distinct set of
    item texts is embedded once per session, whichever test asks first.
    """
    import whyrec.models.text as text_module

    folder = tmp_path_factory.mktemp("embeddings")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "embedding_cache_dir", lambda: folder)
        yield folder


GENRES = {
    "scifi": ("Star Wars", "Alien", "Blade Runner", "The Matrix", "Interstellar", "Solaris", "Dune", "Gattaca",
              "Contact", "Arrival", "Starship Troopers", "Total Recall", "The Terminator", "Predator", "Sunshine",
              "Moon", "Ex Machina", "Looper", "Event Horizon", "Stargate", "Avatar", "Serenity", "Oblivion",
              "Elysium", "District 9", "Pandorum", "Outland", "Silent Running", "Dark Star", "Galaxy Quest"),
    "animation": ("Toy Story", "Finding Nemo", "The Lion King", "Aladdin", "Bambi", "Dumbo", "Pinocchio",
                  "Cinderella", "Mulan", "Tarzan", "Frozen", "Moana", "Coco", "Up", "Cars", "Ratatouille",
                  "Shrek", "Madagascar", "Kung Fu Panda", "Zootopia", "Tangled", "Brave", "Bolt", "Hercules",
                  "Pocahontas", "Fantasia", "The Jungle Book", "Peter Pan", "Robin Hood", "The Aristocats"),
}


def genre_tables(per_user: int = 12, n_users: int = 30) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, catalog) of 60 films "i0".."i59": 0-29 sci-fi, 30-59 animation; even users watch sci-fi.

    Each user watches `per_user` films of their genre, so any text model separates the two tastes.
    """
    titles = [*GENRES["scifi"], *GENRES["animation"]]
    genre = ["Sci-Fi|Space adventure"] * 30 + ["Animation|Children's|Cartoon"] * 30
    catalog = pd.DataFrame({"item_id": [f"i{j}" for j in range(60)], "title": titles, "category": genre})
    rng = np.random.default_rng(0)
    rows = []
    for user in range(n_users):
        base = 0 if user % 2 == 0 else 30
        for t, item in enumerate(rng.choice(np.arange(base, base + 30), size=per_user, replace=False)):
            rows.append((f"u{user}", f"i{item}", 1_700_000_000 + 60 * (user * per_user + t)))
    events = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    events["event"] = "interaction"
    events["value"] = np.nan
    events["weight"] = np.float32(1.0)
    return events, catalog


@pytest.fixture(scope="session")
def films() -> Dataset:
    """60 titled films in two genres (see genre_tables)."""
    events, catalog = genre_tables()
    return build_dataset(events, name="films", catalog=catalog)
