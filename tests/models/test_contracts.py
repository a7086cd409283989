"""The Recommender contract, run against every registered model."""

from __future__ import annotations

import numpy as np
import pytest

from whyrec.data import Dataset, HistoryBatch, History
from whyrec.errors import ConfigError, IncompatibleRunError, NotFittedError
from whyrec.evaluate import split_dataset
from whyrec.models import MODEL_NAMES, create_model, model_class
from whyrec.runs import RunMeta, load_run, save_run
from whyrec.data.loading import DataSource

from tests.conftest import block_events
from whyrec.data import build_dataset

NAMES = sorted(MODEL_NAMES)
# small, fast settings for the 40 x 20 block data; defaults are tuned for ml-100k
FAST: dict[str, dict[str, object]] = {
    "als": {"embedding_size": 8, "regularization": 0.1, "alpha": 5.0},
    "bpr": {"embedding_size": 8, "epochs": 60, "learning_rate": 0.05, "fold_in_regularization": 1.0,
            "fold_in_alpha": 10.0},
    "itemknn": {"n_neighbors": 10},
    "ease": {"regularization": 5.0},
    "lightgcn": {"embedding_size": 8, "n_layers": 2, "epochs": 40, "batch_size": 32, "learning_rate": 0.01},
    "gru4rec": {"embedding_size": 16, "hidden_size": 16, "max_length": 8, "epochs": 40, "batch_size": 8, "dropout": 0.0,
                "learning_rate": 0.01},
    "multvae": {"embedding_size": 8, "hidden_size": 32, "epochs": 60, "batch_size": 8, "anneal_steps": 50},
    "deepfm": {"embedding_size": 8, "hidden_size": 16, "epochs": 30, "batch_size": 32, "learning_rate": 0.01},
    "sasrec": {"embedding_size": 16, "epochs": 40, "max_length": 8, "batch_size": 8, "dropout": 0.1, "learning_rate": 0.01},
    # blocks has no catalog text, so the text model embeds the ids "0".."19"; MiniLM puts the one-digit ids
    # near each other, which is enough for test_learns_the_taste_groups (checked, not assumed)
    "text": {"recency_decay": 0.9},
    "hybrid": {"collaborative_params": {"regularization": 5.0}, "text_weight": 0.2},
}


def fitted(name: str, data: Dataset, seed: int = 0):
    return create_model(name, seed=seed, **FAST.get(name, {})).fit(data)


def group_history(data: Dataset, items: list[str]) -> HistoryBatch:
    return HistoryBatch.from_histories([data.history_from_items(items)], data.n_items)


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_score_shape(name: str, blocks: Dataset) -> None:
    model = create_model(name, **FAST.get(name, {}))
    assert model.fit(blocks) is model
    scores = model.score(blocks.histories())
    assert scores.shape == (blocks.n_users, blocks.n_items)
    assert scores.dtype == np.float32
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_model_raises(name: str, blocks: Dataset) -> None:
    with pytest.raises(NotFittedError, match="not fitted yet"):
        create_model(name).score(blocks.histories())


@pytest.mark.parametrize("name", NAMES)
def test_new_user_history_is_scored(name: str, blocks: Dataset) -> None:
    model = fitted(name, blocks)
    batch = group_history(blocks, ["0", "2", "4"])
    assert batch.user_ids == (None,)
    scores = model.score(batch)
    assert scores.shape == (1, blocks.n_items) and np.isfinite(scores).all()
    empty = HistoryBatch.from_histories([History.of_items([])], blocks.n_items)
    assert np.isfinite(model.score(empty)).all()


@pytest.mark.parametrize("name", [n for n in NAMES if n != "pop"])
def test_learns_the_taste_groups(name: str, blocks: Dataset) -> None:
    model = fitted(name, blocks)
    group_a = [blocks.items.index_of(str(i)) for i in range(10)]
    for history, mine in ((["0", "2", "4"], set(group_a)), (["11", "13", "15"], set(range(20)) - set(group_a))):
        recs = model.recommend(group_history(blocks, history), k=5)
        top = set(recs.items[0].tolist())
        assert len(top & mine) >= 4, f"{name} recommended {top} for history {history}"


@pytest.mark.parametrize("name", NAMES)
def test_exclude_seen_and_candidates(name: str, blocks: Dataset) -> None:
    model = fitted(name, blocks)
    batch = blocks.histories()
    recs = model.recommend(batch, k=8)
    for row, history in enumerate(batch):
        assert not set(recs.items[row].tolist()) & set(history.items.tolist())
    allowed = np.array([1, 3, 5], dtype=np.int32)
    recs = model.recommend(group_history(blocks, ["0"]), k=5, candidates=allowed)
    assert set(recs.items[0][recs.items[0] >= 0].tolist()) <= set(allowed.tolist())
    assert (recs.items[0] == -1).sum() >= 2  # fewer candidates than k: padded
    with pytest.raises(ConfigError, match=r"k must be an int in the range \[1, inf\)"):
        model.recommend(batch, k=0)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_with_seed(name: str, blocks: Dataset) -> None:
    a = fitted(name, blocks, seed=3).score(blocks.histories())
    b = fitted(name, blocks, seed=3).score(blocks.histories())
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip_is_exact(name: str, blocks: Dataset, tmp_path) -> None:
    model = fitted(name, blocks)
    meta = RunMeta(model=name, params=model.config.model_dump(), data=DataSource(source="blocks"),
                   dataset_fingerprint=blocks.fingerprint, n_items=blocks.n_items)
    save_run(tmp_path / "run", model, meta)
    run = load_run(tmp_path / "run", dataset=blocks)
    assert run.model.config == model.config
    batch = blocks.histories()
    np.testing.assert_array_equal(run.model.score(batch), model.score(batch))
    other = build_dataset(block_events(seed=1), name="other")
    with pytest.raises(IncompatibleRunError) as e:
        load_run(tmp_path / "run", dataset=other)
    assert e.value.expected_fingerprint == blocks.fingerprint
    assert e.value.found_fingerprint == other.fingerprint
    assert "other" in str(e.value)


@pytest.mark.parametrize("name", NAMES)
def test_histories_over_another_item_space_are_refused(name: str, blocks: Dataset) -> None:
    model = fitted(name, blocks)
    wrong = HistoryBatch.from_histories([History.of_items([0])], blocks.n_items + 1)
    with pytest.raises(ValueError, match="build histories from the same dataset"):
        model.score(wrong)


def test_unknown_parameter_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as e:
        create_model("ease", lamda=3)
    assert e.value.field == "lamda"
    assert "lambda" in e.value.allowed and "regularization" in e.value.allowed
    assert create_model("ease", **{"lambda": 7}).config.regularization == 7


def test_unknown_model_lists_the_registry() -> None:
    with pytest.raises(ConfigError, match="valid models: pop, itemknn, ease, als, bpr, multvae"):
        create_model("svd")


def test_split_models_never_see_test_items(blocks: Dataset) -> None:
    split = split_dataset(blocks)
    model = fitted("ease", split.fit)
    test_users = split.test.active_users
    recs = model.recommend(split.fit.histories_of(test_users), k=3)
    assert recs.items.shape == (len(test_users), 3)


@pytest.mark.parametrize("name", [n for n in NAMES if hasattr(model_class(n), "edits_of")])
def test_fast_edit_scoring_equals_scoring_the_edited_history(name: str, blocks: Dataset) -> None:
    model = fitted(name, blocks)
    history = blocks.history("u3")
    distinct = np.unique(history.items)
    removals = [set(), {int(distinct[0])}, {int(distinct[1]), int(distinct[2])}, {999}]
    fast = model.edits_of(history)(removals)
    slow = model.score(HistoryBatch.from_histories([history.without(r) for r in removals], blocks.n_items))
    np.testing.assert_allclose(fast, slow, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in NAMES if hasattr(model_class(n), "edits_of")])
def test_edit_scoring_reuses_given_scores_and_ranks_prefixes(name: str, blocks: Dataset) -> None:
    from whyrec.models.edits import LinearEdits

    model = fitted(name, blocks)
    history = blocks.history("u5")
    distinct = np.unique(history.items)
    own = model.score(HistoryBatch.from_histories([history], blocks.n_items))[0]
    removals = [{int(distinct[0])}, {int(distinct[0]), int(distinct[2])}]
    np.testing.assert_allclose(model.edits_of(history, scores=own)(removals), model.edits_of(history)(removals),
                               atol=1e-5)
    edits = model.edits_of(history)
    if isinstance(edits, LinearEdits):
        # every prefix of each row at once (-1 pads a short row) equals scoring the prefixes as sets
        orders = np.array([[distinct[3], distinct[1], distinct[0]], [distinct[2], -1, -1]])
        prefixes = edits.prefixes(orders)
        for r, order in enumerate(orders):
            for s in range(orders.shape[1]):
                removal = {int(j) for j in order[: s + 1] if j >= 0}
                np.testing.assert_allclose(prefixes[r, s], edits([removal])[0], atol=1e-5)
