"""The service fails closed: a deleted or corrupt database makes writes 503 and /readyz 503, and a write
waiting for SQLite's lock does not stall the event loop."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from whyrec.serve.app import create_app

from tests.serve.runs import ease_run, settings_for  # noqa: F401 (fixtures)

EVENT = {"events": [{"user_id": "u1", "item_id": "50", "event_type": "click"}]}


def test_a_deleted_database_file_gets_503_never_201(ease_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with TestClient(create_app(settings_for(ease_run, f"sqlite:///{db}"))) as c:
        assert c.post("/v1/events", json=EVENT).status_code == 201
        assert c.get("/readyz").status_code == 200
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        response = c.post("/v1/events", json=EVENT)
        assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"
        assert "deleted" in response.json()["error"]["message"] and str(db) not in response.text
        for path in ("/v1/users/u1/settings",):
            assert c.put(path, json={"personalization": False}).status_code == 503
        ready = c.get("/readyz")
        assert ready.status_code == 503 and str(tmp_path) not in ready.text
        assert c.get("/healthz").status_code == 200


def test_a_replaced_database_file_gets_503(ease_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with TestClient(create_app(settings_for(ease_run, f"sqlite:///{db}"))) as c:
        assert c.post("/v1/events", json=EVENT).status_code == 201
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(db.read_bytes())
        copy.replace(db)
        assert c.post("/v1/events", json=EVENT).status_code == 503
        assert c.get("/readyz").status_code == 503


def test_a_corrupt_database_is_not_ready(ease_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    settings = settings_for(ease_run, f"sqlite:///{db}", ready_check_s=0.0)
    with TestClient(create_app(settings)) as c:
        c.post("/v1/events", json={"events": [{"user_id": f"u{i}", "item_id": "50"} for i in range(500)]})
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert c.get("/readyz").status_code == 200
        size = db.stat().st_size
        with open(db, "r+b") as f:  # overwrite every page but the header, in place (same inode)
            f.seek(4096)
            f.write(b"\xa5" * (size - 4096))
        c.app.state.service.storage.engine.dispose()  # no page of the old file left in a connection's cache
        assert c.get("/readyz").status_code == 503


def test_healthz_answers_while_a_write_waits_for_the_lock(ease_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with TestClient(create_app(settings_for(ease_run, f"sqlite:///{db}"))) as c:
        assert c.post("/v1/events", json=EVENT).status_code == 201
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's write transaction
        statuses: list[int] = []
        writer = threading.Thread(target=lambda: statuses.append(c.post("/v1/events", json=EVENT).status_code))
        writer.start()
        time.sleep(0.5)  # the write is now waiting for the lock
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            assert c.get("/healthz").status_code == 200
            timings.append(time.perf_counter() - started)
        assert writer.is_alive() and not statuses  # still waiting
        holder.execute("ROLLBACK")
        holder.close()
        writer.join(timeout=30)
        assert statuses == [201]
        assert max(timings) < 1.0, timings  # milliseconds in practice; generous for a loaded machine
