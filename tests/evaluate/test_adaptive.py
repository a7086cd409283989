"""Defaults that adapt: data-scaled starting points, `--tune auto|off|N`, and the below-popularity warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whyrec.cli.main import app
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError
from whyrec.evaluate import Split, make_splitter, split_dataset
from whyrec.evaluate.adaptive import AUTO_TRIALS, choose_params, parse_tune, starting_points, with_check
from whyrec.evaluate.scaled_defaults import DataShape, scaled_starts
from whyrec.evaluate.tuning import SEARCH_SPACES, fit_and_score
from whyrec.models import create_model

from tests.cli.conftest import invoke, runner


@pytest.fixture(scope="module")
def shop() -> Split:
    """A small synthetic shop (100 shoppers, 200 products, view/cart/purchase weights)."""
    return split_dataset(DataSource(source="synthetic", synthetic_events=4_000).load()[0])


def test_scaled_starts_give_back_the_ml100k_defaults_on_ml100k(ml100k_split: Split) -> None:
    shape = DataShape.of(ml100k_split.train)
    weighted, binary, *side = scaled_starts("ease", shape)
    assert side == [{**weighted, "attribute_weight": 0.5}, {**binary, "attribute_weight": 0.5}]  # the genres
    defaults = create_model("ease").config
    assert weighted["use_weights"] and not binary["use_weights"]
    assert defaults.regularization / 2 < weighted["regularization"] < defaults.regularization * 2
    assert 100 < binary["regularization"] < 400  # cornac's and recbole's tuned binary EASE: lambda 250
    als, als_binary = scaled_starts("als", shape)
    assert als["alpha"] == pytest.approx(0.5, rel=0.2) and als["regularization"] == pytest.approx(10.0, rel=0.2)
    assert not als_binary["use_weights"] and als_binary["alpha"] == pytest.approx(als["alpha"] * shape.mean_weight)
    assert als["embedding_size"] == als_binary["embedding_size"]
    size = SEARCH_SPACES["als"]["embedding_size"].nearest(als["embedding_size"])  # as the search moves it
    assert size == create_model("als").config.embedding_size
    (knn,) = scaled_starts("itemknn", shape)
    assert 700 <= knn["n_neighbors"] <= 800
    (bpr,) = scaled_starts("bpr", shape)
    assert bpr["learning_rate"] == pytest.approx(create_model("bpr").config.learning_rate, rel=0.2)
    assert scaled_starts("pop", shape) == []


def test_sparser_data_gets_more_confidence_and_a_smaller_penalty(ml100k_split: Split) -> None:
    beauty = DataSource(source="synthetic-beauty", synthetic_events=20_000).load()[0]
    sparse = DataShape.of(split_dataset(beauty, make_splitter("leave-last-out")).train)
    dense = DataShape.of(ml100k_split.train)
    assert sparse.density < dense.density / 5 and sparse.weights_constant and not dense.weights_constant
    (als_sparse,), (als_dense, _) = scaled_starts("als", sparse), scaled_starts("als", dense)
    assert als_sparse["alpha"] * sparse.mean_weight > 2 * als_dense["alpha"] * dense.mean_weight
    # fewer observations per user and item row: fewer factors (searched sizes: 64, 128, 256)
    assert als_sparse["embedding_size"] <= 64 < 3 * 64 < als_dense["embedding_size"]
    kept, _ = starting_points("als", sparse, {"embedding_size": 16})  # a held size replaces the scaled one
    assert kept["scaled start"]["embedding_size"] == 16
    assert kept["scaled start"]["alpha"] == pytest.approx(als_sparse["alpha"])
    # one weight for every pair: one, binary, start (and it again with the catalog as side information)
    ease_sparse, with_catalog = scaled_starts("ease", sparse)
    assert with_catalog == {**ease_sparse, "attribute_weight": 0.5}
    assert not ease_sparse["use_weights"]
    assert ease_sparse["regularization"] < scaled_starts("ease", dense)[1]["regularization"]
    # fewer events per item: longer SGD steps for BPR
    assert scaled_starts("bpr", sparse)[0]["learning_rate"] > 2 * scaled_starts("bpr", dense)[0]["learning_rate"]


def test_auto_searches_from_the_starting_points_and_never_loses_to_the_fixed_defaults(shop: Split) -> None:
    choice, result = choose_params("ease", shop, mode="auto", seed=1)
    assert result is not None and choice.how == "tuned"
    starts = [t.start for t in result.trials]
    # weighted and binary input, then both with the catalog as side information (the shop has one)
    assert starts[:5] == [*(f"scaled start {i}" for i in range(1, 5)), "fixed defaults"]
    assert 5 <= len(result.trials) <= AUTO_TRIALS and all(s is None for s in starts[5:])
    assert choice.validation_ndcg == result.best_value == max(t.value for t in result.trials)
    assert choice.fixed_defaults_ndcg is not None and choice.validation_ndcg >= choice.fixed_defaults_ndcg
    # the recorded value is what the chosen parameters score when fitted on train
    assert fit_and_score("ease", choice.params, shop)[0] == pytest.approx(choice.validation_ndcg, abs=1e-9)
    assert choice.popularity_ndcg is not None and choice.validation_ndcg > choice.popularity_ndcg
    assert choice.warning is None and choice.data_shape["n_items"] == len(shop.train.active_items)


def test_off_and_fixed_parameters_use_the_fixed_defaults(shop: Split) -> None:
    off, result = choose_params("als", shop, mode="off")
    assert result is None and off.how == "fixed defaults" and off.reason == "--tune off"
    assert off.params == {**create_model("als").config.model_dump(), "seed": 0}
    held, result = choose_params("ease", shop, fixed={"lambda": 50.0, "use_weights": False, "attribute_weight": 0.0})
    assert result is None and held.params["regularization"] == 50.0 and "every searched" in held.reason
    trials, result = choose_params("itemknn", shop, mode=3)
    assert result is not None and len(result.trials) == 3 and trials.mode == "3 trials"
    _, result = choose_params("ease", shop, mode=1)  # fewer trials than starting points: the first ones
    assert result is not None and [t.start for t in result.trials] == ["scaled start 1"]
    binary, result = choose_params("als", shop, mode=1, fixed={"use_weights": False, "embedding_size": 16})
    (start,) = [s for s in scaled_starts("als", DataShape.of(shop.train)) if not s["use_weights"]]
    assert binary.scaled_starts == [start]  # the start scaled for weighted input does not apply
    weighted, _ = choose_params("als", shop, mode=1, fixed={"embedding_size": 16})
    assert [s["use_weights"] for s in weighted.scaled_starts] == [True]  # ALS does not search use_weights
    assert result is not None and result.trials[0].params["alpha"] == pytest.approx(start["alpha"])
    checked = with_check(off, "als", shop)
    assert checked.validation_ndcg == pytest.approx(fit_and_score("als", off.params, shop)[0], abs=1e-9)
    assert checked.popularity_ndcg is not None


def test_a_model_below_popularity_says_so_in_the_output_and_the_run(shop: Split, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--data", "synthetic", "--synthetic-events", "4000", "--model", "als",
                                 "--param", "regularization=100000", "--param", "alpha=0.01",
                                 "--param", "embedding_size=16", "--tune", "off", "--no-evaluate",
                                 "--out", str(tmp_path / "als")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "WARNING: als scores below popularity on validation" in result.output
    choice = json.loads((tmp_path / "als" / "meta.json").read_text())["param_choice"]
    assert choice["validation_ndcg"] < choice["popularity_ndcg"]
    assert choice["warning"].startswith("WARNING: als scores below popularity")


def test_train_tunes_by_default_and_records_how(tmp_path: Path) -> None:
    payload = json.loads(invoke("train", "--data", "synthetic", "--synthetic-events", "4000", "--model", "ease",
                                "--out", str(tmp_path / "ease"), "--json"))
    choice = payload["param_choice"]
    assert choice["mode"] == "auto" and choice["how"] == "tuned"
    assert payload["params"] == choice["params"]
    assert payload["tuning"]["best_value"] == choice["validation_ndcg"]
    assert [t["start"] for t in payload["tuning"]["trials"]][:1] == ["scaled start 1"]


def test_a_bad_tune_value_is_refused_before_loading() -> None:
    assert parse_tune("AUTO") == "auto" and parse_tune("12") == 12
    with pytest.raises(ConfigError, match="--tune must be auto, off or a number of trials"):
        parse_tune("0")
    with pytest.raises(ConfigError, match="Got 'some' instead"):  # not "no such file": the data never loads
        runner.invoke(app, ["train", "--data", "/nonexistent.csv", "--model", "ease", "--out", "x",
                            "--tune", "some"], catch_exceptions=False)


def test_als_keeps_a_scaled_start_on_data_with_one_weight_for_every_pair() -> None:
    beauty = DataSource(source="synthetic-beauty", synthetic_events=20_000).load()[0]
    parts = split_dataset(beauty, make_splitter("leave-last-out"))
    shape = DataShape.of(parts.train)
    assert shape.weights_constant
    points, _ = starting_points("als", shape)
    assert "scaled start" in points  # the start was binary, needed use_weights=False, and was dropped
    start = points["scaled start"]
    assert start["use_weights"]
    # on constant weights it is the binary model with confidence alpha x weight
    common = {"regularization": start["regularization"], "embedding_size": 16, "epochs": 3, "seed": 0}
    weighted = create_model("als", alpha=start["alpha"], use_weights=True, **common).fit(parts.train)
    binary = create_model("als", alpha=start["alpha"] * shape.mean_weight, use_weights=False, **common).fit(parts.train)
    histories = parts.train.histories_of(parts.validation.active_users[:50])
    ours, theirs = weighted.recommend(histories, 10), binary.recommend(histories, 10)
    assert ours.scores == pytest.approx(theirs.scores, rel=1e-3, abs=1e-5)


def test_ease_searches_side_information_only_where_the_catalog_has_shared_values(shop: Split,
                                                                               tmp_path: Path) -> None:
    shape = DataShape.of(shop.train)
    assert shape.catalog_values > 0  # the shop's categories, brands and price bands
    starts = scaled_starts("ease", shape)  # weighted and binary, then both with side information
    assert [s.get("attribute_weight") for s in starts] == [None, None, 0.5, 0.5]
    assert [{**s, "attribute_weight": None} for s in starts[2:]] == [{**s, "attribute_weight": None}
                                                                      for s in starts[:2]]
    choice, result = choose_params("ease", shop, mode="auto", seed=1)
    assert result is not None and "attribute_weight" in result.search_space
    assert [t.params["attribute_weight"] for t in result.trials[:5]] == [0.0, 0.0, 0.5, 0.5, 0.0]
    tables = DataSource(source="synthetic", synthetic_events=4_000).builtin_tables()
    assert tables is not None
    tables[0].to_csv(tmp_path / "events.csv", index=False)  # the same events, no catalog
    bare = split_dataset(DataSource(source=str(tmp_path / "events.csv")).load()[0])
    assert DataShape.of(bare.train).catalog_values == 0
    assert "attribute_weight" not in scaled_starts("ease", DataShape.of(bare.train))[0]
    choice, result = choose_params("ease", bare, mode="auto", seed=1)
    assert result is not None and "attribute_weight" not in result.search_space
    assert choice.params["attribute_weight"] == 0.0 and choice.held_fixed == {}
