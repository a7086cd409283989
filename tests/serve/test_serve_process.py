"""`whyrec serve` as a real uvicorn process: durability across SIGKILL, and a reload seen by every worker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from whyrec.serve.storage import Storage

from tests.serve.runs import ADMIN_TOKEN, ease_run, pop_run  # noqa: F401 (fixtures)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def whyrec_serve(run_dir: Path, db_url: str, port: int, *, workers: int = 1,
                 env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start `whyrec serve` in its own process group and wait for /readyz; SIGKILL the group at the end."""
    command = [sys.executable, "-m", "whyrec.cli.main", "serve", str(run_dir), "--db", db_url, "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    environ = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "WHYREC_ADMIN_TOKEN": ADMIN_TOKEN, **(env or {})}
    process = subprocess.Popen(command, env=environ, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail(f"whyrec serve exited with {process.returncode}:\n{output[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("whyrec serve did not become ready in 90 s")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()


@pytest.mark.slow
def test_every_acknowledged_event_survives_sigkill(ease_run: Path, db_url: str) -> None:
    port = free_port()
    acknowledged: dict[str, list[int]] = {}
    with whyrec_serve(ease_run, db_url, port) as process:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for batch in range(20):
                user = f"durable-{batch % 4}"
                events = [{"user_id": user, "item_id": str(1 + (batch * 5 + j) % 300), "event_type": "click"}
                          for j in range(5)]
                response = client.post("/v1/events", json={"events": events})
                assert response.status_code == 201, response.text
                acknowledged.setdefault(user, []).extend(response.json()["ids"])
        os.killpg(process.pid, signal.SIGKILL)  # no shutdown, no flush: only what was durable survives
        process.wait(timeout=30)
    with Storage.open(db_url) as storage:
        for user, event_ids in acknowledged.items():
            assert set(event_ids) <= {e.id for e in storage.events_of(user)}
    with whyrec_serve(ease_run, db_url, port), httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for user, event_ids in acknowledged.items():
            profile = client.get(f"/v1/users/{user}/profile").json()
            distinct = {1 + (b * 5 + j) % 300 for b in range(20) if b % 4 == int(user[-1]) for j in range(5)}
            assert profile["history_size"] == len(event_ids) == 25
            body = client.get(f"/v1/users/{user}/recommendations", params={"k": 10}).json()
            assert not body["cold_start"] and not {int(r["item_id"]) for r in body["items"]} & distinct


ROUNDS = 2  # kill -9 rounds per store: each waits for 60 more acknowledged events (or 60 s), then kills


@pytest.mark.slow
def test_kill_9_rounds_under_concurrent_writes_lose_no_acknowledged_event(ease_run: Path, db_url: str) -> None:
    port = free_port()
    acknowledged: dict[str, set[int]] = {}
    refused: list[str] = []
    lock = threading.Lock()

    def write(user: str, stop: threading.Event) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            batch = 0
            while not stop.is_set():
                events = [{"user_id": user, "item_id": str(1 + (batch * 3 + j) % 500), "event_type": "click"}
                          for j in range(3)]
                try:
                    response = client.post("/v1/events", json={"events": events})
                except httpx.TransportError:  # killed mid-request: not acknowledged
                    return
                if response.status_code != 201:
                    refused.append(response.text)
                    return
                with lock:
                    acknowledged.setdefault(user, set()).update(response.json()["ids"])
                batch += 1

    for round_ in range(ROUNDS):
        with whyrec_serve(ease_run, db_url, port, workers=2) as process:
            stop = threading.Event()
            writers = [threading.Thread(target=write, args=(f"kill-{round_}-{n}", stop)) for n in range(4)]
            for writer in writers:
                writer.start()
            deadline = time.monotonic() + 60
            while sum(len(ids) for ids in acknowledged.values()) < 60 * (round_ + 1) and time.monotonic() < deadline:
                time.sleep(0.05)
            os.killpg(process.pid, signal.SIGKILL)  # while the four writers are still sending
            stop.set()
            for writer in writers:
                writer.join(30)
    assert not refused and sum(len(ids) for ids in acknowledged.values()) >= 60 * ROUNDS
    with Storage.open(db_url) as storage:
        for user, ids in acknowledged.items():
            assert ids <= {e.id for e in storage.events_of(user)}, user


@pytest.mark.slow
def test_a_reload_reaches_every_worker_process(ease_run: Path, pop_run: Path, tmp_path: Path) -> None:
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    with whyrec_serve(ease_run, db_url, port, workers=2, env={"WHYREC_RELOAD_CHECK_S": "0.2"}), \
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        assert {client.get("/v1/users/196/recommendations").json()["model"] for _ in range(10)} == {"ease"}
        response = client.post("/v1/admin/reload", json={"run_dir": str(pop_run)},
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert response.status_code == 200 and response.json()["model"] == "pop"
        version = response.json()["version"]
        deadline = time.monotonic() + 30
        served_by: dict[str, int] = {}  # worker pid -> the version its /metrics last reported
        while time.monotonic() < deadline:
            # each connection may land on either worker; new connections spread the requests. A worker adopts
            # a new run in a background thread and answers with the old one meanwhile, so wait until the
            # metrics of both workers report the new version
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as fresh:
                seen = [fresh.get("/v1/users/196/recommendations").json() for _ in range(5)]
                metrics = fresh.get("/metrics").text
            for line in metrics.splitlines():
                if line.startswith("whyrec_model_info"):
                    served_by[line.split('pid="')[1].split('"')[0]] = int(line.split('version="')[1].split('"')[0])
            if len(served_by) == 2 and set(served_by.values()) == {version}:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"not every worker serves version {version}: {seen}, workers' versions {served_by}")
        for _ in range(20):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as fresh:
                body = fresh.get("/v1/users/196/recommendations").json()
                assert body["run_version"] == version and body["model"] == "pop"


def worker_pids(base: str, want: int, not_in: set[str], timeout_s: float = 180) -> set[str]:
    """The pids of `want` distinct workers, none of them in `not_in`, read from /metrics over fresh connections."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with httpx.Client(base_url=base, timeout=10) as fresh:
                text = fresh.get("/metrics").text
        except httpx.TransportError:  # the dead worker's connection
            continue
        pid = text.split('pid="')[1].split('"')[0]
        if pid not in not_in:
            seen.add(pid)
        if len(seen) >= want:
            return seen
        time.sleep(0.1)
    pytest.fail(f"only workers {seen} answered in {timeout_s:.0f} s (excluded: {not_in})")


@pytest.mark.slow
def test_a_worker_killed_after_the_run_folder_is_deleted_or_overwritten_is_restarted(
        ease_run: Path, pop_run: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(ease_run, folder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with whyrec_serve(folder, f"sqlite:///{tmp_path / 'db.sqlite3'}", port, workers=2):
        killed: set[str] = set()
        for change in ("delete", "overwrite"):
            shutil.rmtree(folder, ignore_errors=True)
            if change == "overwrite":
                shutil.copytree(pop_run, folder)  # another run in the served folder
            victim = sorted(worker_pids(base, 2, killed))[0]
            os.kill(int(victim), signal.SIGKILL)
            killed.add(victim)
            # the other worker goes on answering, and a new worker starts on the copy of the published run
            new = worker_pids(base, 2, killed)
            assert not new & killed
            for _ in range(10):
                with httpx.Client(base_url=base, timeout=10) as fresh:
                    body = fresh.get("/v1/users/196/recommendations").json()
                assert body["model"] == "ease" and body["run_version"] == 1, body


def test_serve_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "whyrec.cli.main", "serve", str(tmp_path / "nothing")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert done.returncode == 2
    assert "is not a run directory" in done.stderr and "whyrec train" in done.stderr
