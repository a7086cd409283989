"""Self-contained runs: moved, copied and served without their source files; old runs load or say how to upgrade."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError
from whyrec.evaluate import split_dataset
from whyrec.models import EASE
from whyrec.run_data import EVENTS_FILE, ITEMS_FILE
from whyrec.runs import RunMeta, load_run, save_run, upgrade_run
from whyrec.serve.app import create_app
from whyrec.serve.served_run import run_hash
from whyrec.serve.settings import ServeSettings

runner = CliRunner()
TOKEN = "admin-token-for-tests"


def invoke(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def write_export(folder: Path, n_events: int = 2_000, seed: int = 0) -> Path:
    """A shop export: events.csv, items.csv and users.csv (the synthetic shop)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = generate(SyntheticConfig(n_events=n_events, seed=seed))
    data.events.to_csv(folder / "events.csv", index=False)
    data.catalog.to_csv(folder / "items.csv", index=False)
    data.users.to_csv(folder / "users.csv", index=False)
    return folder


def test_a_moved_run_serves_without_its_source_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = write_export(tmp_path / "export")
    monkeypatch.chdir(tmp_path)
    invoke("train", "--data", "export/events.csv", "--catalog", "export/items.csv", "--users", "export/users.csv",
           "--model", "ease", "--out", "runs/ease")
    trained = json.loads((tmp_path / "runs/ease/meta.json").read_text())
    shutil.move(tmp_path / "runs/ease", tmp_path / "moved")
    shutil.rmtree(export)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run_dir = tmp_path / "moved"

    evaluated = json.loads(invoke("evaluate", run_dir, "--json"))
    assert evaluated["metrics"]["ndcg@10"] == pytest.approx(trained["metrics"]["ndcg@10"], abs=1e-9)
    run = load_run(run_dir)
    user = run.fit_data.users.id_of(int(run.fit_data.active_users[0]))
    catalog = run.dataset.catalog  # from the stored items table: titles and attributes of items.csv
    assert "category" in catalog.attributes.categorical and catalog.titles[0] != run.dataset.items.ids[0]
    recs = json.loads(invoke("recommend", run_dir, "--user", user, "--k", "5", "--json"))
    assert len(recs) == 5
    explained = json.loads(invoke("explain", run_dir, "--user", user, "--k", "2", "--json"))
    assert [e["item_id"] for e in explained] == [r["item_id"] for r in recs[:2]]
    settings = ServeSettings.model_validate({"run_dir": run_dir, "db_url": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                                             "admin_token": TOKEN, "reload_check_s": 0.0})
    with TestClient(create_app(settings)) as client:
        body = client.get(f"/v1/users/{user}/recommendations", params={"k": 5, "explain": "true"}).json()
        assert [i["item_id"] for i in body["items"]] == [r["item_id"] for r in recs]


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run saved the old way (no stored data) on a CSV export: (export folder, run directory)."""
    root = tmp_path_factory.mktemp("legacy")
    export = write_export(root / "export", n_events=1_500)
    spec = DataSource(source=str(export / "events.csv"), catalog=str(export / "items.csv"))
    dataset, _ = spec.load()
    split = split_dataset(dataset)
    model = EASE().fit(split.fit)
    meta = RunMeta(model="ease", params=model.config.model_dump(), data=spec, dataset_fingerprint=dataset.fingerprint,
                   n_items=dataset.n_items, protocol=split.protocol)
    return export, save_run(root / "old", model, meta)


def test_an_old_run_reads_its_source_and_upgrades(legacy: tuple[Path, Path], tmp_path: Path) -> None:
    _, old = legacy
    copy = tmp_path / "old"
    shutil.copytree(old, copy)
    run = load_run(copy)
    assert not run.self_contained and len(run.dataset.events) > 0
    before = run.split.part.copy()
    assert upgrade_run(copy) and not upgrade_run(copy)
    upgraded = load_run(copy)
    assert upgraded.self_contained
    np.testing.assert_array_equal(upgraded.split.part, before)
    assert upgraded.dataset.fingerprint == run.meta.dataset_fingerprint
    assert run_hash(copy) != run_hash(old)  # the stored data is part of the run's identity


def test_an_old_run_without_its_source_names_the_upgrade_command(legacy: tuple[Path, Path], tmp_path: Path) -> None:
    _, old = legacy
    meta = json.loads((old / "meta.json").read_text())
    meta["data"]["source"] = str(tmp_path / "gone.csv")
    moved = tmp_path / "moved"
    shutil.copytree(old, moved)
    (moved / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match=r"whyrec run upgrade .*moved.*or retrain"):
        _ = load_run(moved).dataset


def test_a_changed_data_file_is_refused(legacy: tuple[Path, Path], tmp_path: Path) -> None:
    _, old = legacy
    copy = tmp_path / "run"
    shutil.copytree(old, copy)
    upgrade_run(copy)
    items = copy / ITEMS_FILE
    items.write_bytes(items.read_bytes()[:-10])
    with pytest.raises(ConfigError, match="does not match the hash"):
        _ = load_run(copy).dataset
    (copy / EVENTS_FILE).unlink()
    with pytest.raises(ConfigError, match="is incomplete"):
        _ = load_run(copy).split
