"""DeepFM: learns planted attribute preferences, uses user attributes, scores new histories, explains by field."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset, DataSource, History, HistoryBatch
from whyrec.evaluate import Split, evaluate, split_dataset
from whyrec.models import create_model

torch = pytest.importorskip("torch")

FAST = {"embedding_size": 16, "hidden_size": 32, "epochs": 10, "batch_size": 256, "learning_rate": 0.005}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small networks train faster on one thread than on two shared ones."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def synthetic_split() -> Split:
    dataset, _ = DataSource(source="synthetic", synthetic_events=20000).load()
    return split_dataset(dataset)


@pytest.fixture(scope="module")
def model(synthetic_split: Split):
    return create_model("deepfm", **FAST).fit(synthetic_split.fit)


def batch_of(data: Dataset, *histories: History) -> HistoryBatch:
    return HistoryBatch.from_histories(list(histories), data.n_items)


def test_beats_popularity_on_planted_preferences(model, synthetic_split: Split) -> None:
    ours = evaluate(model, synthetic_split, ks=(10,)).summary["ndcg@10"]
    pop = evaluate(create_model("pop").fit(synthetic_split.fit), synthetic_split, ks=(10,)).summary["ndcg@10"]
    assert ours > 1.2 * pop, (ours, pop)


def test_user_attributes_change_the_scores(model, synthetic_split: Split) -> None:
    data = synthetic_split.fit
    attrs = data.user_attributes
    users = [u for u in range(data.n_users) if all(attrs.categorical[n][u] for n in attrs.categorical)]
    key = {u: tuple(attrs.of(u).items()) for u in users}
    first = users[0]
    same = next(u for u in users[1:] if key[u] == key[first])
    other = next(u for u in users[1:] if key[u] != key[first])
    items = data.history(data.users.id_of(first)).items
    ids = [data.users.id_of(u) for u in (first, same, other)]
    scores = model.score(batch_of(data, *(History.of_items(items, user_id=i) for i in ids),
                                  History.of_items(items)))
    np.testing.assert_allclose(scores[0], scores[1], atol=1e-5)  # only the attributes matter, not the id
    assert np.abs(scores[0] - scores[2]).max() > 1e-4  # other attributes, other scores
    assert np.abs(scores[0] - scores[3]).max() > 1e-4  # an anonymous user gets the "unknown" values
    unseen = model.score(batch_of(data, History.of_items(items, user_id="never-seen")))
    np.testing.assert_allclose(unseen[0], scores[3], atol=1e-5)


def test_scores_a_brand_new_history_by_its_taste(model, synthetic_split: Split) -> None:
    data = synthetic_split.fit
    category = data.catalog.attributes.categorical["category"]
    counts = np.bincount(data.interactions.indices, minlength=data.n_items)
    values = sorted({c[0] for c in category if c})
    taste = max(values, key=lambda v: sum(1 for c in category if c == (v,)))
    mine = np.array([i for i in range(data.n_items) if category[i] == (taste,)])
    history = History.of_items(mine[np.argsort(-counts[mine])][:4].tolist())
    recs = model.recommend(batch_of(data, history), k=10)
    share = np.isin(recs.items[0], mine).mean()
    assert share > 2 * len(mine) / data.n_items, (share, len(mine), data.n_items)
    empty = model.score(batch_of(data, History.of_items([])))
    assert np.isfinite(empty).all() and not np.allclose(empty[0], model.score(batch_of(data, history))[0])


def test_integrated_gradients_over_fields_are_complete(model, synthetic_split: Split) -> None:
    attr = pytest.importorskip("captum.attr")
    data = synthetic_split.fit
    history = data.history(data.users.id_of(int(data.active_users[0])))
    items = [3, 17, 42]
    fs = model.feature_scorer(history, items)
    assert fs.fields[0] == "item" and fs.fields[-1] == "history"
    assert {"item:category", "item:brand", "user:gender", "user:age_band"} <= set(fs.fields)
    assert fs.inputs.shape == (3, len(fs.fields), 1 + model.config.embedding_size)
    with torch.no_grad():
        direct = fs.forward(fs.inputs).numpy()
    np.testing.assert_allclose(direct, model.score(batch_of(data, history))[0, items], rtol=1e-4, atol=1e-4)
    baseline = torch.zeros_like(fs.inputs)
    ig = attr.IntegratedGradients(fs.forward)
    attributions, delta = ig.attribute(fs.inputs, baselines=baseline, n_steps=200, return_convergence_delta=True)
    per_field = attributions.sum(-1).detach().numpy()
    assert per_field.shape == (3, len(fs.fields))
    with torch.no_grad():
        gap = (fs.forward(fs.inputs) - fs.forward(baseline)).numpy()
    np.testing.assert_allclose(per_field.sum(1), gap, atol=0.02 * np.abs(gap).max() + 1e-3)
    assert np.abs(delta.detach().numpy()).max() < 0.02 * np.abs(gap).max() + 1e-3
