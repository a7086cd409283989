"""DeepFM's field attributions: integrated gradients per input field, summing to score - score(zeros)."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset
from whyrec.data.history import History
from whyrec.data.loading import DataSource
from whyrec.explain import Explanation
from whyrec.explain.pipeline import explain_list, recommend_explained
from whyrec.models import EASE
from whyrec.models.registry import create_model
from whyrec.models.torch.deepfm import DeepFM


@pytest.fixture(scope="module")
def shop() -> Dataset:
    dataset, _ = DataSource(source="synthetic", synthetic_events=5_000, seed=1).load()
    return dataset


@pytest.fixture(scope="module")
def deepfm(shop: Dataset) -> DeepFM:
    model = create_model("deepfm", embedding_size=8, hidden_size=16, epochs=1, n_negatives=1, batch_size=4096)
    assert isinstance(model, DeepFM)
    return model.fit(shop)


def test_fields_add_up_to_the_score_from_the_all_zero_baseline(shop: Dataset, deepfm: DeepFM) -> None:
    import torch

    user = shop.users.id_of(0)
    made = recommend_explained(deepfm, shop.history(user), dataset=shop, k=10)
    scorer = deepfm.feature_scorer(shop.history(user), made.items)
    with torch.no_grad():
        zeros = deepfm.module_(torch.zeros_like(scorer.inputs)).numpy()
    user_index = shop.users.index_of(user)
    for e, item, zero in zip(made.explanations, made.items.tolist(), zeros, strict=True):
        f = e.fields
        assert f is not None and f.baseline == "zeros" and f.method == "ig"
        assert [x.field for x in f.fields] == list(deepfm.fields)
        assert f.baseline_score == pytest.approx(float(zero), abs=1e-6)
        total = sum(x.weight for x in f.fields)
        assert f.baseline_score + total + f.residual == pytest.approx(e.score, abs=1e-9)
        # completeness: what the integration leaves unexplained is small against what the fields explain
        assert abs(f.residual) <= 0.01 * abs(e.score - f.baseline_score) + 1e-4
        by_field = {x.field: x.values for x in f.fields}
        assert by_field["item"] == (e.item_id,)
        assert by_field["item:category"] == shop.catalog.attributes.values("category", item)
        assert by_field["user:gender"] == shop.user_attributes.values("gender", user_index)
        assert by_field["history"] == (str(len(np.unique(shop.history(user).items))),)
    # the chart travels with the documented JSON form
    again = Explanation.model_validate(made.explanations[0].to_json_dict())
    assert again.fields == made.explanations[0].fields


def test_a_new_shopper_has_unknown_user_fields_and_other_models_no_fields(shop: Dataset, deepfm: DeepFM) -> None:
    history = History.of_items([3, 7])
    items = np.array([10, 11], dtype=np.int32)
    made = explain_list(deepfm, history, items, dataset=shop)
    for e in made:
        assert e.fields is not None
        assert {x.field: x.values for x in e.fields.fields}["user:gender"] == ()
        assert {x.field: x.values for x in e.fields.fields}["history"] == ("2",)
    ease = EASE(regularization=50.0).fit(shop)
    assert all(e.fields is None for e in explain_list(ease, shop.history(shop.users.id_of(0)), items, dataset=shop))
