"""The Recommender contract (whyrec.testing), run against every registered model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from whyrec.data import Dataset, build_dataset
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError, IncompatibleRunError
from whyrec.evaluate import split_dataset
from whyrec.models import (
    ALS,
    BPR,
    EASE,
    MODEL_NAMES,
    AttributeAffinity,
    BaseRecommender,
    ItemKNN,
    ItemTransitions,
    MostPopular,
    create_model,
    registry,
)
from whyrec.runs import RunMeta, load_run, save_run
from whyrec.testing import RecommenderContract, block_events, blocks_with_catalog

# small, fast settings for the 40 x 20 block data; defaults are tuned for ml-100k
FAST: dict[str, dict[str, object]] = {
    "als": {"embedding_size": 8, "regularization": 0.1, "alpha": 5.0},
    "bpr": {"embedding_size": 8, "epochs": 60, "learning_rate": 0.05, "fold_in_regularization": 1.0,
            "fold_in_alpha": 10.0},
    "bpr-uniform": {"embedding_size": 8, "epochs": 60, "learning_rate": 0.05, "negatives": "uniform",
                    "fold_in": "bpr", "fold_in_negatives": 16},
    "itemknn": {"n_neighbors": 10},
    "ease": {"regularization": 5.0},
    "lightgcn": {"embedding_size": 8, "n_layers": 2, "epochs": 40, "batch_size": 32, "learning_rate": 0.01},
    "gru4rec": {"embedding_size": 16, "hidden_size": 16, "max_length": 8, "epochs": 40, "batch_size": 8, "dropout": 0.0,
                "learning_rate": 0.01},
    "multvae": {"embedding_size": 8, "hidden_size": 32, "epochs": 60, "batch_size": 8, "anneal_steps": 50},
    "deepfm": {"embedding_size": 8, "hidden_size": 16, "epochs": 30, "batch_size": 32, "learning_rate": 0.01},
    "sasrec": {"embedding_size": 16, "epochs": 40, "max_length": 8, "batch_size": 8, "dropout": 0.1,
               "learning_rate": 0.01},
    # blocks has no catalog text, so the text model embeds the ids "0".."19"; MiniLM puts the one-digit ids
    # near each other, which is enough for test_learns_the_taste_groups (checked, not assumed)
    "text": {"recency_decay": 0.9},
    "hybrid": {"collaborative_params": {"regularization": 5.0}, "text_weight": 0.2},
}


class RegisteredModelContract(RecommenderContract):
    """The public contract plus what a registered model also promises: a run directory reloads exactly."""

    def test_save_load_round_trip_is_exact(self, toy_data: Dataset, fitted_model: BaseRecommender[Any],
                                           tmp_path: Path) -> None:
        name = fitted_model.name
        meta = RunMeta(model=name, params=fitted_model.config.model_dump(), data=DataSource(source="blocks"),
                       dataset_fingerprint=toy_data.fingerprint, n_items=toy_data.n_items)
        save_run(tmp_path / "run", fitted_model, meta)
        run = load_run(tmp_path / "run", dataset=toy_data)
        assert run.model.config == fitted_model.config
        batch = toy_data.histories()
        np.testing.assert_array_equal(run.model.score(batch), fitted_model.score(batch))
        other = build_dataset(block_events(seed=1), name="other")
        with pytest.raises(IncompatibleRunError) as e:
            load_run(tmp_path / "run", dataset=other)
        assert e.value.expected_fingerprint == toy_data.fingerprint
        assert e.value.found_fingerprint == other.fingerprint
        assert "other" in str(e.value)


class TestMostPopular(RegisteredModelContract):
    model_class = MostPopular
    learns_taste_groups = False


class TestItemKNN(RegisteredModelContract):
    model_class = ItemKNN
    config = FAST["itemknn"]


class TestEASE(RegisteredModelContract):
    model_class = EASE
    config = FAST["ease"]


class WithCatalog:
    """Mixin: the block data with a catalog whose category is the taste group (its brand is noise)."""

    @pytest.fixture(scope="class")
    @classmethod
    def toy_data(cls) -> Dataset:
        return blocks_with_catalog()


class TestEASEWithCatalog(WithCatalog, RegisteredModelContract):
    """EASE with the catalog as side information."""

    model_class = EASE
    config: ClassVar[dict[str, object]] = {**FAST["ease"], "attribute_weight": 0.5}


class TestAttributeAffinity(WithCatalog, RegisteredModelContract):
    """Attribute affinity learns the taste groups from the catalog alone."""

    model_class = AttributeAffinity


class TestItemTransitions(RegisteredModelContract):
    """Item transitions: within a taste group, the products bought soon after the history's newest ones."""

    model_class = ItemTransitions


class TestALS(RegisteredModelContract):
    model_class = ALS
    config = FAST["als"]


class TestBPR(RegisteredModelContract):
    model_class = BPR
    config = FAST["bpr"]


class TestBPRUniform(RegisteredModelContract):
    """BPR trained by whyrec's uniform-negative SGD and scored by the BPR-objective fold-in."""

    model_class = BPR
    config = FAST["bpr-uniform"]


# the torch and text models come from the registry, which imports their modules (and torch) when asked


@pytest.mark.slow  # torch training, four fits
class TestMultVAE(RegisteredModelContract):
    model_class = registry.model_class("multvae")
    config = FAST["multvae"]


class TestLightGCN(RegisteredModelContract):
    model_class = registry.model_class("lightgcn")
    config = FAST["lightgcn"]


@pytest.mark.slow  # torch training, four fits
class TestGRU4Rec(RegisteredModelContract):
    model_class = registry.model_class("gru4rec")
    config = FAST["gru4rec"]


@pytest.mark.slow  # torch training, four fits
class TestDeepFM(RegisteredModelContract):
    model_class = registry.model_class("deepfm")
    config = FAST["deepfm"]


@pytest.mark.slow  # torch training, four fits
class TestSASRec(RegisteredModelContract):
    model_class = registry.model_class("sasrec")
    config = FAST["sasrec"]


class TestTextModel(RegisteredModelContract):
    model_class = registry.model_class("text")
    config = FAST["text"]


class TestHybrid(RegisteredModelContract):
    model_class = registry.model_class("hybrid")
    config = FAST["hybrid"]


def test_every_registered_model_is_checked() -> None:
    checked = {cls.model_class.name for cls in RegisteredModelContract.__subclasses__()}  # EASE twice
    assert checked == set(MODEL_NAMES)


def test_unknown_parameter_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as e:
        create_model("ease", lamda=3)
    assert e.value.field == "lamda"
    assert "lambda" in e.value.allowed and "regularization" in e.value.allowed
    assert create_model("ease", **{"lambda": 7}).config.regularization == 7


def test_unknown_model_lists_the_registry() -> None:
    with pytest.raises(ConfigError, match="valid models: pop, itemknn, ease, als, bpr, affinity, transitions, multvae"):
        create_model("svd")


def test_split_models_never_see_test_items(blocks: Dataset) -> None:
    split = split_dataset(blocks)
    model = create_model("ease", **FAST["ease"]).fit(split.fit)
    test_users = split.test.active_users
    recs = model.recommend(split.fit.histories_of(test_users), k=3)
    assert recs.items.shape == (len(test_users), 3)
