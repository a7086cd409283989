"""Hybrid: z-scored blend of a collaborative model and the text model; cold items scored by text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from whyrec.data import Dataset, HistoryBatch, build_dataset
from whyrec.errors import ConfigError
from whyrec.evaluate import split_dataset
from whyrec.training import fit_on_split
from whyrec.evaluate.validation import ValidationSet
from whyrec.models import create_model
from whyrec.models.hybrid import DEFAULT_TEXT_WEIGHT, TEXT_WEIGHT_GRID, Hybrid, standardize

from tests.conftest import genre_tables

FAST = {"collaborative_params": {"regularization": 5.0}}


@pytest.fixture(scope="module")
def films_with_cold(films: Dataset) -> Dataset:
    """The films plus three unwatched ones of each genre."""
    events, catalog = genre_tables()
    extra = pd.DataFrame({"item_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
                          "title": ["Star Wars: Return of the Jedi", "Alien: Resurrection", "Dune: Part Two",
                                    "Toy Story 2", "Finding Dory", "The Lion King II"],
                          "category": ["Sci-Fi|Space adventure"] * 3 + ["Animation|Children's|Cartoon"] * 3})
    return build_dataset(events, name="films+cold", catalog=pd.concat([catalog, extra], ignore_index=True))


def test_standardize_uses_the_warm_columns() -> None:
    scores = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 9.0]])
    z = standardize(scores, np.array([True, True, False]))
    np.testing.assert_allclose(z, [[-1.0, 1.0, 3.0], [0.0, 0.0, 0.0]])  # a constant row scores 0


def test_cold_items_are_recommended(films_with_cold: Dataset) -> None:
    data = films_with_cold
    model = create_model("hybrid", text_weight=0.2, **FAST).fit(data)
    cold = {data.items.index_of(c) for c in ("c1", "c2", "c3")}
    history = data.history_from_items(["i0", "i1", "i2", "i3"])  # Star Wars, Alien, Blade Runner, The Matrix
    recs = model.recommend(HistoryBatch.from_histories([history], data.n_items), k=10)
    top = set(recs.items[0].tolist())
    assert top & cold, data.items.ids_of(recs.items[0])
    assert not top & {data.items.index_of(c) for c in ("c4", "c5", "c6")}  # not the cartoons
    ease = create_model("ease", regularization=5.0).fit(data)
    assert not set(ease.recommend(HistoryBatch.from_histories([history], data.n_items), k=10).items[0]) & cold


def test_scores_blend_the_standardized_parts(films_with_cold: Dataset) -> None:
    data = films_with_cold
    model = create_model("hybrid", text_weight=0.3, **FAST).fit(data)
    batch = data.histories(["u0", "u1"])
    warm = data.item_user_counts > 0
    zc = standardize(model.collaborative_.score(batch), warm)
    zt = standardize(model.text_.score(batch), warm)
    expected = np.where(warm, standardize(0.7 * zc + 0.3 * zt, warm), zt)
    np.testing.assert_allclose(model.score(batch), expected, atol=1e-5)
    for weight, other in ((0.0, zc), (1.0, zt)):
        pure = create_model("hybrid", text_weight=weight, **FAST).fit(data).score(batch)
        np.testing.assert_allclose(pure[:, warm], standardize(other, warm)[:, warm], atol=1e-5)


def test_weight_is_learned_on_validation(films: Dataset) -> None:
    split = split_dataset(films)
    model = create_model("hybrid", **FAST).fit(split.train, validation=ValidationSet.from_split(split))
    assert set(model.validation_ndcg_) == set(TEXT_WEIGHT_GRID)
    best = max(model.validation_ndcg_.values())
    assert model.text_weight_ in TEXT_WEIGHT_GRID and model.validation_ndcg_[model.text_weight_] == best
    assert create_model("hybrid", **FAST).fit(split.train).text_weight_ == DEFAULT_TEXT_WEIGHT
    final = fit_on_split(create_model("hybrid", **FAST), split)  # tune on train, refit on train + valid
    assert isinstance(final, Hybrid) and final.config.text_weight == model.text_weight_
    assert not final.needs_validation()


def test_invalid_collaborative_part_is_refused() -> None:
    with pytest.raises(ConfigError) as e:
        create_model("hybrid", collaborative="hybrid")
    assert e.value.field == "collaborative"
    with pytest.raises(ConfigError, match="lamda"):
        create_model("hybrid", collaborative_params={"lamda": 3})
    assert create_model("hybrid", collaborative="itemknn", collaborative_params={"n_neighbors": 5}).config.collaborative == "itemknn"
