"""Run directories and app clients shared by the service tests (imported by each test module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from whyrec.data import Dataset
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split
from whyrec.models import EASE
from whyrec.models.base import BaseRecommender
from whyrec.models.popular import MostPopular
from whyrec.runs import RunMeta, save_run
from whyrec.serve.app import create_app
from whyrec.serve.settings import ServeSettings

ADMIN_TOKEN = "test-admin-token"


def save_ml100k_run(path: Path, model: BaseRecommender, dataset: Dataset, split: Split) -> Path:
    """Fit `model` on the split's train + valid and save it as a run of ml-100k."""
    model.fit(split.fit)
    meta = RunMeta(model=model.name, params=model.config.model_dump(), data=DataSource(source="ml-100k"),
                   dataset_fingerprint=dataset.fingerprint, n_items=dataset.n_items, protocol=split.protocol)
    return save_run(path, model, meta)


@pytest.fixture(scope="session")
def ease_run(ml100k: Dataset, ml100k_split: Split, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An EASE run on ml-100k (PROTOCOL.md split, fitted on train + valid)."""
    return save_ml100k_run(tmp_path_factory.mktemp("runs") / "ease", EASE(), ml100k, ml100k_split)


@pytest.fixture(scope="session")
def pop_run(ml100k: Dataset, ml100k_split: Split, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A popularity run on the same data (the reload tests swap it in)."""
    return save_ml100k_run(tmp_path_factory.mktemp("runs") / "pop", MostPopular(), ml100k, ml100k_split)


def settings_for(run_dir: Path, db_url: str, **overrides: object) -> ServeSettings:
    """Test settings: the admin token set, other workers' swaps seen at once."""
    values: dict[str, object] = {"run_dir": run_dir, "db_url": db_url, "admin_token": ADMIN_TOKEN,
                                 "reload_check_s": 0.0, **overrides}
    return ServeSettings.model_validate(values)


@pytest.fixture
def client(ease_run: Path, db_url: str) -> Iterator[TestClient]:
    """A client of an app serving the EASE run, once per database backend."""
    with TestClient(create_app(settings_for(ease_run, db_url))) as c:
        yield c
