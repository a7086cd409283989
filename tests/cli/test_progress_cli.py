"""Progress of `whyrec train`: rich bars on a terminal, one line per stage otherwise, nothing under -q; the EASE
estimate before the fit and the refusal above --memory-budget."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from whyrec.cli.main import app

from tests.cli.conftest import runner

TRAIN = ["train", "--data", "synthetic", "--synthetic-events", "3000", "--model", "ease"]
STAGES = ("Loading synthetic", "Fitting ease", "Ranking 75 users")
_ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z])")


def _command(out: Path) -> list[str]:
    return [sys.executable, "-m", "whyrec.cli.main", *TRAIN, "--out", str(out)]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "CI"}}
    return {**env, "TERM": "xterm-256color"}


def _on_terminal(command: list[str], timeout_s: float = 180.0) -> tuple[int, str]:
    """Run `command` with stdin, stdout and stderr on a pseudo-terminal; its exit status and what it drew."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=_environment(), close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 1.0)[0]:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child has closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
        else:
            proc.kill()
            pytest.fail(f"train on a terminal ran past {timeout_s:.0f} s")
        status = proc.wait(timeout=60)
    finally:
        os.close(master)
    return status, _ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def test_train_on_a_terminal_draws_a_bar_per_stage(tmp_path: Path) -> None:
    status, drawn = _on_terminal(_command(tmp_path / "run"))
    assert status == 0, drawn
    for stage in STAGES:
        assert stage in drawn, drawn
    assert "EASE on 200 items: about 1.3 MB peak memory" in drawn
    assert "whyrec: Fitting ease done in" not in drawn  # bars, not log lines
    assert "trained ease on synthetic" in drawn


def test_train_off_a_terminal_writes_one_line_per_stage(tmp_path: Path) -> None:
    done = subprocess.run(_command(tmp_path / "run"), capture_output=True, text=True, timeout=180,
                          env=_environment())
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert all(line.startswith("whyrec: ") for line in lines), lines
    assert "\x1b[" not in done.stderr
    for stage in STAGES:
        finished = [line for line in lines if line.startswith(f"whyrec: {stage} done in ")]
        assert len(finished) == 1, lines
    loading = next(line for line in lines if line.startswith("whyrec: Loading synthetic"))
    assert re.search(r"done in \d+\.\d s \([\d,]+ events, 75 users, 200 items\)$", loading), loading
    assert "whyrec: Ranking 75 users done in" in done.stderr and "(75/75)" in done.stderr
    assert "EASE on 200 items" in done.stderr and "memory budget" in done.stderr
    assert "trained ease on synthetic" in done.stdout


@pytest.mark.parametrize("where", ["global", "command"])
def test_quiet_silences_progress_but_not_the_result(where: str, tmp_path: Path) -> None:
    args = ["-q", *TRAIN] if where == "global" else [*TRAIN, "--quiet"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "run")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "trained ease on synthetic" in result.stdout


def test_ease_over_the_memory_budget_is_refused_before_fitting(tmp_path: Path) -> None:
    result = runner.invoke(app, [*TRAIN, "--out", str(tmp_path / "run"), "--memory-budget", "1MB"])
    assert result.exit_code != 0
    error = str(result.exception)
    assert "EASE on 200 items: about 1.3 MB peak memory" in error and "over the memory budget of 1.0 MB" in error
    assert "--model als or --model itemknn" in error and "--memory-budget 1.5MB" in error
    assert not (tmp_path / "run").exists()
    assert "Fitting ease" not in result.stderr


def test_calibrate_checks_its_refit_against_the_memory_budget(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert runner.invoke(app, ["-q", *TRAIN, "--out", str(run)]).exit_code == 0
    refused = runner.invoke(app, ["calibrate", str(run), "--memory-budget", "1MB"])
    assert refused.exit_code != 0
    error = str(refused.exception)
    assert "EASE on 200 items: about 1.3 MB peak memory" in error and "over the memory budget of 1.0 MB" in error
    assert not (run / "calibration.json").exists()
    assert "Calibrating" not in refused.stderr  # refused before the refit started
    done = runner.invoke(app, ["calibrate", str(run), "--memory-budget", "2MB"])
    assert done.exit_code == 0, done.output
    assert "EASE on 200 items" in done.stderr and "memory budget 2.0 MB (--memory-budget)" in done.stderr
    assert (run / "calibration.json").is_file()
