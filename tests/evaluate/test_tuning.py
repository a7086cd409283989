"""Hyperparameter search on validation: spaces, determinism, epochs, and the run metadata it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whyrec.errors import ConfigError
from whyrec.evaluate import Split
from whyrec.evaluate.tuning import (
    SEARCH_SPACES,
    FloatRange,
    IntRange,
    search_space_of,
    tune,
)
from whyrec.evaluate.validation import ValidationSet
from whyrec.models import MODEL_NAMES, create_model

from tests.cli.conftest import invoke


def test_every_model_with_hyperparameters_has_a_space_of_its_own_names() -> None:
    for name in MODEL_NAMES:
        if name == "pop":
            with pytest.raises(ConfigError, match="no hyperparameters"):
                search_space_of(name)
            continue
        space = search_space_of(name)  # raises when a dimension is not a hyperparameter of the model
        assert space == SEARCH_SPACES[name]


def test_tuning_ease_finds_the_best_trial_and_is_deterministic(ml100k_split: Split) -> None:
    result = tune("ease", ml100k_split, trials=4, seed=3)
    again = tune("ease", ml100k_split, trials=4, seed=3)
    assert [t.params for t in result.trials] == [t.params for t in again.trials]
    assert result.best_value == max(t.value for t in result.trials)
    dim = SEARCH_SPACES["ease"]["regularization"]
    assert isinstance(dim, FloatRange)
    assert all(dim.low <= t.params["regularization"] <= dim.high for t in result.trials)
    # the reported value is the validation NDCG@10 of that configuration fitted on train
    best = create_model("ease", **result.best_params).fit(ml100k_split.train)
    assert ValidationSet.from_split(ml100k_split).ndcg(best) == pytest.approx(result.best_value, abs=1e-9)


def test_tuning_an_epoch_model_records_its_best_epoch(ml100k_split: Split) -> None:
    space = {"hidden_size": IntRange(16, 32), "embedding_size": IntRange(8, 16)}
    result = tune("multvae", ml100k_split, trials=2, seed=0, space=space,
                  fixed={"epochs": 3, "patience": 2, "dropout": 0.5})
    best = max(result.trials, key=lambda t: t.value)
    assert best.best_epoch is not None and 1 <= best.best_epoch <= 3
    assert result.best_params["epochs"] == max(1, best.best_epoch)
    assert result.best_params["patience"] == 2


def test_bad_search_requests_are_refused(ml100k_split: Split) -> None:
    with pytest.raises(ConfigError, match="not a hyperparameter of ease"):
        tune("ease", ml100k_split, trials=1, space={"neighbours": IntRange(1, 2)})
    with pytest.raises(ConfigError, match="both fixed"):
        tune("ease", ml100k_split, trials=1, fixed={"use_weights": True}, space={"use_weights": IntRange(0, 1)})
    with pytest.raises(ConfigError, match="nothing is left"):
        tune("ease", ml100k_split, trials=1, fixed={"use_weights": True, "regularization": 100.0,
                                                    "attribute_weight": 0.0})


def test_fixed_hyperparameters_leave_the_search(ml100k_split: Split) -> None:
    result = tune("ease", ml100k_split, trials=2, fixed={"regularization": 300.0})
    assert all(set(t.params) == {"use_weights", "attribute_weight"} for t in result.trials)
    assert result.best_params["regularization"] == 300.0


def test_cli_tune_writes_the_best_parameters_into_the_run(tmp_path: Path) -> None:
    run = tmp_path / "itemknn"
    invoke("tune", "--data", "ml-100k", "--model", "itemknn", "--trials", "3", "--out", str(run))
    meta = json.loads((run / "meta.json").read_text())
    tuning = meta["tuning"]
    assert len(tuning["trials"]) == 3 and tuning["best_value"] == max(t["value"] for t in tuning["trials"])
    for name, value in tuning["best_params"].items():
        assert meta["params"][name] == value  # the saved model is the best configuration, refit
    assert meta["fitted_on"] == "train+valid" and 0.0 < meta["metrics"]["ndcg@10"] < 1.0


def test_the_documented_search_spaces_are_the_declared_ones() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "concepts" / "search-spaces.md").read_text()
    rows = {line for line in doc.splitlines() if line.startswith("| `")}
    declared = {f"| `{model}` | `{name}` | {dim.describe()} |"
                for model, space in SEARCH_SPACES.items() for name, dim in space.items()}
    assert rows == declared


def test_a_trial_records_the_standard_error_of_its_validation_score(ml100k_split: Split) -> None:
    result = tune("als", ml100k_split, trials=2, seed=0, fixed={"epochs": 3})
    validation = ValidationSet.from_split(ml100k_split)
    for record in result.trials:
        model = create_model("als", **{"epochs": 3, **record.params, "seed": 0}).fit(ml100k_split.train)
        per_user = validation.ndcg_per_user(model)
        assert record.value == pytest.approx(per_user.mean(), abs=1e-9)
        assert record.stderr == pytest.approx(per_user.std(ddof=1) / len(per_user) ** 0.5, rel=1e-6)
    assert result.best_value == max(t.value for t in result.trials)
