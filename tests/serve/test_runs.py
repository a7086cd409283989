"""Runs are checked before they serve, identified by their content, and switched only on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from whyrec.errors import ConfigError
from whyrec.serve.app import create_app
from whyrec.serve.lifecycle import active_run
from whyrec.serve.storage import Storage

from tests.serve.runs import ADMIN_TOKEN, ease_run, pop_run, settings_for  # noqa: F401 (fixtures)

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def broken_copy(ease_run: Path, tmp_path: Path, kind: str) -> Path:
    target = tmp_path / f"broken-{kind}"
    shutil.copytree(ease_run, target)
    arrays = target / "arrays.npz"
    if kind in ("shape", "nan"):
        with np.load(arrays) as npz:
            weights = npz["weights"]
        weights = weights[:-1, :-1] if kind == "shape" else weights.copy()
        if kind == "nan":
            weights[0, 1] = np.nan
        np.savez(arrays, weights=weights)
    elif kind == "truncated":
        arrays.write_bytes(arrays.read_bytes()[: arrays.stat().st_size // 2])
    elif kind == "empty":
        arrays.write_bytes(b"")
    return target


@pytest.mark.parametrize(("kind", "reason"), [("shape", "do not match its metadata"), ("nan", "NaN"),
                                               ("truncated", "cannot load"), ("empty", "cannot load")])
def test_a_broken_run_is_refused_and_the_old_one_keeps_serving(ease_run: Path, tmp_path: Path, kind: str,
                                                               reason: str) -> None:
    broken = broken_copy(ease_run, tmp_path, kind)
    with TestClient(create_app(settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}"))) as c:
        response = c.post("/v1/admin/reload", json={"run_dir": str(broken)}, headers=AUTH)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["loc"] == ["body", "run_dir"] and reason in error["message"], error
        assert str(tmp_path) not in error["message"]  # the folder's name, not its path
        body = c.get("/v1/users/196/recommendations").json()
        assert body["model"] == "ease" and body["run_version"] == 1
        assert all(np.isfinite(r["score"]) for r in body["items"])
    with (pytest.raises(ConfigError),  # and a server does not start on it
          TestClient(create_app(settings_for(broken, f"sqlite:///{tmp_path / 'other.sqlite3'}")))):
        pass


def test_a_second_server_with_another_run_does_not_switch_the_first(ease_run: Path, pop_run: Path,
                                                                    db_url: str) -> None:
    db = db_url
    with TestClient(create_app(settings_for(ease_run, db))) as first:
        with (pytest.raises(ConfigError, match="already serves another run"),
              TestClient(create_app(settings_for(pop_run, db)))):
            pass
        with TestClient(create_app(settings_for(ease_run, db))) as same:  # the same run: adopts its version
            assert same.get("/v1/users/196/recommendations").json()["run_version"] == 1
        assert first.get("/v1/users/196/recommendations").json()["model"] == "ease"
        with TestClient(create_app(settings_for(pop_run, db, switch_run=True))) as switched:  # --publish
            assert switched.get("/v1/users/196/recommendations").json()["run_version"] == 2
        assert first.app.state.service.runs.wait_for_version(2, timeout_s=30)
        assert first.get("/v1/users/196/recommendations").json()["model"] == "pop"


def test_a_run_retrained_into_the_same_folder_is_a_new_version(ease_run: Path, pop_run: Path, tmp_path: Path,
                                                               db_url: str) -> None:
    folder = tmp_path / "run"
    shutil.copytree(ease_run, folder)
    db = db_url
    with TestClient(create_app(settings_for(folder, db))) as a:
        with Storage.open(db) as storage:
            first = active_run(storage)
        assert first is not None and first.version == 1 and first.content_hash
        shutil.rmtree(folder)
        shutil.copytree(pop_run, folder)  # "retrained" into the same folder
        # a worker that adopts version 1 now would serve other content under it: it refuses
        with (pytest.raises(ConfigError, match="changed since version 1"),
              TestClient(create_app(settings_for(folder, db, publish_run=False)))):
            pass
        # the first server still serves its copy, though the folder changed
        assert a.get("/v1/users/196/recommendations").json()["model"] == "ease"
        response = a.post("/v1/admin/reload", headers=AUTH)
        assert response.status_code == 200 and response.json()["version"] == 2 and response.json()["model"] == "pop"
        with Storage.open(db) as storage:
            second = active_run(storage)
        assert second is not None and second.content_hash != first.content_hash


def test_reloading_needs_the_admin_scope(ease_run: Path, pop_run: Path, db_url: str) -> None:
    with TestClient(create_app(settings_for(ease_run, db_url))) as c:
        assert c.post("/v1/admin/reload", json={"run_dir": str(pop_run)}).status_code == 401
        assert c.get("/v1/users/196/recommendations").json()["model"] == "ease"
