"""Three catalogs with real explanations: ml-100k films, video games with platforms and editions, Chinese films.

The two made-up catalogs reuse the seeded synthetic shoppers (their events and planted preferences) and
give the same items other titles and attributes, so EASE learns real structure and the explanations are
real: game titles carry sequel numbers, subtitles, editions and platforms ("Star Legends 2: Night Harbour
(Deluxe Edition) - PC"); the Chinese films have Chinese titles, years and genres.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from whyrec.data.catalog import build_catalog
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.explain.attributes import AttributeExplainer
from whyrec.explain.base import history_events, history_ratings, with_events
from whyrec.explain.counterfactual import CounterfactualExplainer
from whyrec.explain.exact import ExactExplainer
from whyrec.explain.explanation import Explanation

__all__ = ["ExplainedCatalog", "explain_catalog", "explained_catalogs", "games_dataset", "zh_films_dataset"]

_FRANCHISES = ("Star Legends", "Iron Harbor", "Mass Drift", "Night Circuit", "Crystal Forge", "Shadow Atlas",
               "Velocity Rush", "Ember Saga", "Frost Protocol", "Rogue Orbit", "Titan Fields", "Echo Valley",
               "Neon Drift", "Kingdom Ash", "Sky Pirates", "Deep Signal")
_SUBTITLES = ("Night Harbour", "The Last Gate", "Red Horizon", "Broken Crown", "Silent Tide", "Lost Empire",
              "Winter Siege", "Second Dawn", "Iron Oath", "Hollow Sun")
_PLATFORMS = ("PC", "PS5", "PS4", "Xbox Series X", "Xbox One", "Nintendo Switch")
_EDITIONS = ("", "", "", "Deluxe Edition", "Gold Edition", "Game of the Year Edition", "Collector's Edition")
_GENRES = ("Shooter", "RPG", "Racing", "Strategy", "Platformer", "Puzzle", "Sports", "Fighting")
_PUBLISHERS = ("Northwind Games", "Bluefin Studios", "Redline Interactive", "Pixel Harbor", "Stonegate")
_ZH_WORDS = ("星海", "迷城", "长夜", "归途", "风暴", "孤岛", "火线", "远山", "寒城", "追光", "破晓", "深蓝", "雾港",
             "天际", "荒原", "暗流", "春潮", "铁骑", "流年", "边城")
_ZH_GENRES = ("科幻", "剧情", "喜剧", "动作", "爱情", "悬疑", "动画", "战争")


@dataclass(frozen=True)
class ExplainedCatalog:
    """A dataset and real explanations of its top-k lists.

    Attributes:
        name: ``films``, ``games`` or ``zh-films``.
        dataset: the data the model was fitted on.
        explanations: exact explanations with their counterfactuals, and attribute explanations; history items
            carry their strongest event and rating, as `whyrec.explain.explain_list` gives them.
    """

    name: str
    dataset: Dataset
    explanations: tuple[Explanation, ...]


def _synthetic(seed: int, events: int) -> Dataset:
    dataset, _ = DataSource(source="synthetic", synthetic_events=events, seed=seed).load()
    return dataset


def games_dataset(seed: int = 1, events: int = 5_000, *, title_chars: int | None = None) -> Dataset:
    """The synthetic shoppers with video-game titles: sequels, subtitles, editions and platforms.

    Args:
        seed: the synthetic data's seed.
        events: about how many events.
        title_chars: when given, every title is padded to this length with a long subtitle (for timing).
    """
    base = _synthetic(seed, events)
    rng = np.random.default_rng(seed)
    rows = []
    for i, item_id in enumerate(base.items.ids):
        franchise = _FRANCHISES[i % len(_FRANCHISES)]
        sequel = "" if i % 5 == 0 else f" {1 + (i // len(_FRANCHISES)) % 4}" if i % 5 < 3 else ""
        subtitle = f": {_SUBTITLES[int(rng.integers(len(_SUBTITLES)))]}" if i % 3 == 1 else ""
        edition = _EDITIONS[int(rng.integers(len(_EDITIONS)))]
        platform = _PLATFORMS[int(rng.integers(len(_PLATFORMS)))]
        title = f"{franchise}{sequel}{subtitle}{f' ({edition})' if edition else ''} - {platform}"
        if title_chars is not None:
            words = " ".join(_SUBTITLES[(i + n) % len(_SUBTITLES)] for n in range(20))
            head = f"{franchise}{sequel}: "
            title = f"{head}{words}"[:title_chars - len(platform) - 3].rstrip() + f" - {platform}"
        rows.append({"item_id": item_id, "title": title, "category": _GENRES[i % len(_GENRES)],
                     "brand": _PUBLISHERS[(i // 3) % len(_PUBLISHERS)], "platform": platform,
                     "price": f"{int(rng.integers(10, 70))}.99"})
    table = pd.DataFrame(rows)
    return dataclasses.replace(base, name="games", catalog=build_catalog(base.items, table, "item_id"))


def zh_films_dataset(seed: int = 2, events: int = 5_000) -> Dataset:
    """The synthetic shoppers as film viewers of a Chinese catalog: Chinese titles with years and genres."""
    base = _synthetic(seed, events)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item_id in enumerate(base.items.ids):
        while True:
            a, b = rng.choice(len(_ZH_WORDS), 2, replace=False)
            title = f"{_ZH_WORDS[a]}{_ZH_WORDS[b]}"
            if title not in seen or len(seen) > 350:
                break
        seen.add(title)
        year = 1990 + int(rng.integers(0, 34))
        genres = sorted({_ZH_GENRES[i % len(_ZH_GENRES)], _ZH_GENRES[int(rng.integers(len(_ZH_GENRES)))]})
        rows.append({"item_id": item_id, "title": f"{title} ({year})", "category": "|".join(genres)})
    table = pd.DataFrame(rows)
    return dataclasses.replace(base, name="zh-films", catalog=build_catalog(base.items, table, "item_id"))


def explain_catalog(name: str, dataset: Dataset, n_users: int, k: int) -> ExplainedCatalog:
    """Fit EASE on `dataset` and explain the top-`k` lists of about `n_users` active users."""
    from whyrec.models import EASE  # scipy-heavy: imported when a catalog is explained

    model = EASE().fit(dataset)
    candidates = dataset.active_items
    exact = ExactExplainer(dataset, top_n=5, candidates=candidates)
    counterfactual = CounterfactualExplainer(dataset, k=k, candidates=candidates)
    attribute = AttributeExplainer(dataset, candidates=candidates)
    out: list[Explanation] = []
    users = dataset.active_users[:: max(1, len(dataset.active_users) // n_users)][:n_users]
    for user in dataset.users.ids_of(users):
        history = dataset.history(user)
        items = model.recommend(HistoryBatch.from_histories([history], dataset.n_items), k,
                                candidates=candidates).items[0]
        cfs = counterfactual.explain(model, history, items)
        explained = [e.model_copy(update={"counterfactual": c.counterfactual})
                     for e, c in zip(exact.explain(model, history, items), cfs, strict=True)]
        explained += attribute.explain(model, history, items)
        kinds, ratings = history_events(dataset, history), history_ratings(dataset, history)
        out += [e.model_copy(update={"evidence": with_events(e.evidence, kinds, ratings)}) for e in explained]
    return ExplainedCatalog(name, dataset, tuple(out))


def explained_catalogs(*, n_users: int = 12, k: int = 5) -> list[ExplainedCatalog]:
    """ml-100k films (EASE on train + valid), games and Chinese films, each with real explanations."""
    from whyrec.data.loading import load_dataset
    from whyrec.evaluate import split_dataset

    films, _ = load_dataset("ml-100k")
    return [explain_catalog("films", split_dataset(films).fit, n_users, k),
            explain_catalog("games", games_dataset(), n_users, k),
            explain_catalog("zh-films", zh_films_dataset(), n_users, k)]
