"""Attention rollout and integrated gradients on small Mult-VAE and SASRec models."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset, HistoryBatch
from whyrec.errors import UnsupportedModelError
from whyrec.explain.attention import AttentionExplainer, rollout
from whyrec.explain.gradients import IntegratedGradientsExplainer
from whyrec.models import EASE, create_model

SMALL = {
    "multvae": {"embedding_size": 8, "hidden_size": 32, "epochs": 40, "batch_size": 8, "anneal_steps": 50},
    "sasrec": {"embedding_size": 16, "epochs": 30, "max_length": 8, "batch_size": 8, "dropout": 0.1,
               "learning_rate": 0.01},
}


@pytest.fixture(scope="module", params=sorted(SMALL))
def neural(request: pytest.FixtureRequest, blocks: Dataset):
    return create_model(request.param, **SMALL[request.param]).fit(blocks)


def top(model, data: Dataset, user: str, k: int = 3):
    history = data.history(user)
    return history, model.recommend(HistoryBatch.from_histories([history], data.n_items), k).items[0]


def test_integrated_gradients_are_complete(neural, blocks: Dataset) -> None:
    explainer = IntegratedGradientsExplainer(blocks, n_steps=64, top_n=None)
    history, items = top(neural, blocks, "u0")
    _, weights, empty = explainer.attributions(neural, history, items)
    scores = neural.score(HistoryBatch.from_histories([history], blocks.n_items))[0]
    # completeness: attributions add up to score(history) - score(empty input), up to the integration error
    np.testing.assert_allclose(weights.sum(1), scores[items] - empty, atol=0.05 * np.abs(scores[items]).max() + 1e-3)
    for e in explainer.explain(neural, history, items):
        assert e.method == "ig"
        assert {x.ref for x in e.evidence} <= set(blocks.items.ids_of(history.items))


def test_attention_rollout_is_a_distribution(blocks: Dataset) -> None:
    model = create_model("sasrec", **SMALL["sasrec"]).fit(blocks)
    history, items = top(model, blocks, "u1")
    maps = model.attention(history)
    assert len(maps.weights) == model.config.n_layers
    assert maps.weights[0].shape == (model.config.attention_heads, 8, 8)
    flow = rollout(maps.weights)
    assert flow.sum() == pytest.approx(1.0) and (flow >= 0).all()
    explanations = AttentionExplainer(blocks, top_n=None).explain(model, history, items)
    total = sum(x.weight for x in explanations[0].evidence)
    assert total == pytest.approx(flow[maps.slots >= 0].sum())  # padding gets the rest
    assert {x.ref for x in explanations[0].evidence} == set(blocks.items.ids_of(history.items))


def test_rollout_of_identity_attention_keeps_the_last_position() -> None:
    eye = np.eye(4)[None, :, :]
    np.testing.assert_allclose(rollout((eye, eye)), [0, 0, 0, 1])


def test_models_without_gradients_or_attention_are_refused(blocks: Dataset) -> None:
    model = EASE(regularization=5.0).fit(blocks)
    history, items = top(model, blocks, "u0")
    for explainer in (IntegratedGradientsExplainer(blocks), AttentionExplainer(blocks)):
        assert not explainer.supports(model)
        with pytest.raises(UnsupportedModelError):
            explainer.explain(model, history, items)


def test_integrated_gradients_over_deepfm_fields(ml100k_split) -> None:
    """DeepFM is explained by its input fields: the item, its genres, the user's attributes, the history."""
    import torch

    fit = ml100k_split.fit
    model = create_model("deepfm", embedding_size=8, hidden_size=16, epochs=1, n_negatives=1, batch_size=4096).fit(fit)
    history, items = top(model, fit, "196")
    explanations = IntegratedGradientsExplainer(fit, n_steps=64, top_n=None).explain(model, history, items)
    fields = model.feature_scorer(history, items)
    with torch.no_grad():
        empty = fields.forward(torch.zeros_like(fields.inputs)).numpy()
    user = fit.users.index_of("196")
    for e, item, zero in zip(explanations, items, empty, strict=True):
        kinds = {x.kind for x in e.evidence}
        assert {"attribute", "user_attribute", "feature"} <= kinds
        assert len(e.evidence) == len(fields.fields)
        # completeness: the fields add up to score - score(no field at all), up to the integration error
        total = sum(x.weight for x in e.evidence)
        assert total == pytest.approx(e.score - float(zero), abs=0.05 * abs(e.score - float(zero)) + 1e-3)
        genre = next(x for x in e.evidence if x.ref.startswith("category="))  # ml-100k's genres
        assert genre.ref == "category=" + "|".join(fit.catalog.attributes.values("category", int(item)))
        gender = next(x for x in e.evidence if x.ref.startswith("gender="))
        assert gender.ref == "gender=" + "|".join(fit.user_attributes.values("gender", user))
        assert [x.weight for x in e.evidence] == sorted((x.weight for x in e.evidence), reverse=True)
