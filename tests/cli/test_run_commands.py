"""train --out/--force/--warm-start, compare's names and stored metrics, the serve banner, decoding errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whyrec.cli.compare import run_names
from whyrec.cli.main import app
from whyrec.errors import ConfigError, DataFileError
from whyrec.runs import load_run
from whyrec.serve.app import create_app
from whyrec.serve.settings import ServeSettings

from tests.test_runs import invoke, write_export

runner = CliRunner()
TOKEN = "admin-token-for-tests"
ALS = ["--model", "als", "--param", "embedding_size=8", "--param", "epochs=3"]


@pytest.fixture(scope="module")
def yesterday(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ALS run on yesterday's export (whose files are gone afterwards)."""
    root = tmp_path_factory.mktemp("shop")
    export = write_export(root / "yesterday", n_events=1_500, seed=3)
    invoke("train", "--data", export / "events.csv", "--catalog", export / "items.csv", *ALS,
           "--split", "leave-last-out", "--out", root / "runs/yesterday")
    shutil.rmtree(export)
    return root / "runs/yesterday"


def test_train_refuses_an_existing_run_without_force(yesterday: Path, tmp_path: Path) -> None:
    target = tmp_path / "run"
    shutil.copytree(yesterday, target)
    with pytest.raises(ConfigError, match=r"already holds a als run .*pass --force"):
        runner.invoke(app, ["train", "--data", "synthetic", "--synthetic-events", "1000", "--model", "pop",
                            "--out", str(target)], catch_exceptions=False)
    assert load_run(target).meta.model == "als"
    invoke("train", "--data", "synthetic", "--synthetic-events", "1000", "--model", "pop", "--out", target, "--force")
    assert load_run(target).meta.model == "pop"


def test_warm_start_reuses_the_run_and_reload_swaps_it_in(yesterday: Path, tmp_path: Path) -> None:
    today = write_export(tmp_path / "today", n_events=1_800, seed=3)  # the same shop, more events
    payload = json.loads(invoke("train", "--data", today / "events.csv", "--warm-start", yesterday,
                                "--out", tmp_path / "today-run", "--no-evaluate", "--json"))
    old, new = load_run(yesterday), load_run(tmp_path / "today-run")
    assert (new.meta.model, new.meta.params, new.meta.split) == (old.meta.model, old.meta.params, old.meta.split)
    assert new.meta.warm_start == str(yesterday) and new.meta.data.source == str(today / "events.csv")
    known = set(old.dataset.items.ids) & set(new.dataset.items.ids)
    assert payload["warm_items"] == {"reused": len(known), "new": new.dataset.n_items - len(known)}
    assert payload["warm_items"]["reused"] > 0
    settings = ServeSettings.model_validate({"run_dir": yesterday, "db_url": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                                             "admin_token": TOKEN, "reload_check_s": 0.0})
    with TestClient(create_app(settings)) as client:
        swapped = client.post("/v1/admin/reload", json={"run_dir": str(tmp_path / "today-run")},
                              headers={"Authorization": f"Bearer {TOKEN}"})
        assert swapped.status_code == 200, swapped.text
        assert swapped.json()["version"] == 2


def test_warm_started_factors_start_from_the_previous_run(yesterday: Path) -> None:
    from whyrec.warm_start import warm_state

    old = load_run(yesterday)
    state = warm_state(old, old.dataset.items)
    assert state is not None and state.new == 0
    np.testing.assert_array_equal(state.arrays["item_factors"], old.model.state()["item_factors"])
    # one more epoch from the learned factors stays near them; one epoch from scratch does not
    from whyrec.models.implicit_mf import ALS

    params = {**old.meta.params, "epochs": 1}
    warm = ALS(**params)
    warm.warm_start(state.arrays)
    learned = old.model.state()["item_factors"]
    near = np.linalg.norm(warm.fit(old.split.fit).state()["item_factors"] - learned)
    cold = np.linalg.norm(ALS(**params).fit(old.split.fit).state()["item_factors"] - learned)
    assert near < 0.5 * cold, (near, cold)


def test_compare_names_runs_by_path_end_and_reuses_stored_metrics(yesterday: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for month in ("jan", "feb"):
        shutil.copytree(yesterday, tmp_path / month / "als")
    assert run_names([tmp_path / "jan/als", tmp_path / "feb/als", yesterday]) == ["jan/als", "feb/als", "yesterday"]

    def no_ranking(*_: object, **__: object) -> None:
        raise AssertionError("compare ranked a run whose metrics are stored")

    monkeypatch.setattr("whyrec.cli.compare.rank_split", no_ranking)
    payload = json.loads(invoke("compare", tmp_path / "jan/als", tmp_path / "feb/als", "--json"))
    assert [r["run"] for r in payload["runs"]] == ["jan/als", "feb/als"]
    assert payload["runs"][0]["metrics"]["ndcg@10"] == pytest.approx(load_run(yesterday).meta.metrics["ndcg@10"])
    assert all(t["mean_difference"] == 0 for t in payload["paired_tests"])


def test_serve_suggests_a_user_of_the_run(yesterday: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    result = runner.invoke(app, ["serve", str(yesterday), "--db", "sqlite:///:memory:"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    fit = load_run(yesterday).fit_data
    user = fit.users.id_of(int(fit.active_users[0]))
    assert f"/v1/users/{user}/recommendations" in result.stdout and "/users/196/" not in result.stdout


def test_decoding_errors_name_the_row_and_the_encoding_option(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"user_id,item_id\nu1,i1\nu2,caf\xe9\nu3,i3\n")
    with pytest.raises(DataFileError, match=r"line 3 is not valid utf-8 .*--encoding") as e:
        runner.invoke(app, ["data", "info", str(latin)], catch_exceptions=False)
    assert (e.value.path, e.value.row) == (str(latin), 2)
    info = json.loads(invoke("data", "info", latin, "--encoding", "latin-1", "--json"))
    assert info["events"] == 3
    broken = tmp_path / "events.jsonl"
    broken.write_text('{"user_id": "u1", "item_id": "i1"}\n{"user_id": "u2", "item_id": "i2"\n')
    with pytest.raises(DataFileError, match=r"line 2 is not a JSON object") as e:
        runner.invoke(app, ["data", "info", str(broken)], catch_exceptions=False)
    assert e.value.row == 2
