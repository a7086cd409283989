"""whyrec.toml: the file sets any option of any command, flags override it, unknown keys are refused."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from whyrec.cli.main import app
from whyrec.errors import ConfigError
from whyrec.runs import load_run

from tests.cli.conftest import invoke, runner

CONFIG = """
[train]
data = "synthetic"
synthetic-events = 2000
model = "ease"
param = { lambda = 50, use_weights = false }
out = "run"
no_evaluate = true

[serve]
run_dir = "run"
port = 8123

[serve.settings]
max_batch = 3
"""


@pytest.fixture
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding whyrec.toml, as the current directory."""
    (tmp_path / "whyrec.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WHYREC_CONFIG", raising=False)
    monkeypatch.delenv("WHYREC_MAX_BATCH", raising=False)
    return tmp_path


def served_app(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, dict[str, Any]]:
    """Run `whyrec serve ARGS` up to uvicorn and return the app and the options it would serve with."""
    started: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: started.update(app=app, **options))
    result = runner.invoke(app, ["serve", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return started.pop("app"), started


def test_the_file_drives_train_and_serve_and_flags_win(in_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = json.loads(invoke("train", "--json"))
    assert payload["model"] == "ease" and payload["run"] == "run" and payload["metrics"] == {}
    assert payload["params"]["regularization"] == 50 and payload["params"]["use_weights"] is False
    assert payload["data"]["source"] == "synthetic" and payload["data"]["synthetic_events"] == 2000

    flagged = json.loads(invoke("train", "--model", "pop", "--out", "pop-run", "--param", "seed=3", "--json"))
    assert (flagged["model"], flagged["run"], flagged["params"]["seed"]) == ("pop", "pop-run", 3)
    assert flagged["data"]["synthetic_events"] == 2000  # what no flag overrides still comes from the file

    db = f"sqlite:///{in_project / 'events.sqlite3'}"
    served, options = served_app(monkeypatch, "--db", db)
    assert options["port"] == 8123 and served.state.settings.run_dir == (in_project / "run").resolve()
    assert served.state.settings.max_batch == 3
    with TestClient(served) as client:
        response = client.post("/v1/events", json={"events": [{"user_id": "u", "item_id": "1"}] * 4})
        assert response.status_code == 413 and "at most 3" in response.json()["error"]["message"]

    monkeypatch.setenv("WHYREC_MAX_BATCH", "10")  # the environment beats the file's settings, flags beat both
    served, options = served_app(monkeypatch, "--db", db, "--port", "9000")
    assert (served.state.settings.max_batch, options["port"]) == (10, 9000)


def test_config_given_by_flag_anywhere_and_unknown_keys_refused(tmp_path: Path) -> None:
    config = tmp_path / "shop.toml"
    config.write_text('[train]\nmodle = "ease"\n')
    for args in (["--config", str(config), "train"], ["train", "--config", str(config)]):
        with pytest.raises(ConfigError) as e:
            runner.invoke(app, [*args, "--data", "synthetic", "--out", str(tmp_path / "r")], catch_exceptions=False)
        assert e.value.field == "modle" and "model" in e.value.allowed and "max-minutes" in e.value.allowed
        assert str(config) in str(e.value) and "[train]" in str(e.value)

    config.write_text('[trian]\nmodel = "ease"\n')
    with pytest.raises(ConfigError, match=r"key 'trian': no such command.*\[train\]"):
        runner.invoke(app, ["--config", str(config), "train", "--data", "x", "--out", "y"], catch_exceptions=False)
    config.write_text('[serve.settings]\nmax_bath = 5\n')
    with pytest.raises(ConfigError, match=r"\[serve.settings\]: unknown key 'max_bath'.*max_batch"):
        runner.invoke(app, ["--config", str(config), "serve", str(tmp_path)], catch_exceptions=False)
    config.write_text('[data.info]\nencodng = "latin-1"\n')  # a group's commands are nested tables
    with pytest.raises(ConfigError, match=r"\[data.info\]: unknown key 'encodng'.*encoding"):
        runner.invoke(app, ["--config", str(config), "data", "info", "ml-100k"], catch_exceptions=False)


def test_config_show_names_where_each_value_comes_from(in_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = json.loads(invoke("config", "show", "--json"))
    rows = {(r["command"], r["option"]): r for r in shown["options"]}
    assert shown["config"] == "whyrec.toml"
    assert rows[("train", "model")] == {"command": "train", "option": "model", "value": "ease",
                                        "source": "whyrec.toml [train]"}
    assert rows[("train", "param")]["value"] == ["lambda=50", "use_weights=false"]
    assert rows[("train", "seed")]["source"] == "flag default" and rows[("train", "seed")]["value"] == 0
    assert rows[("serve", "settings.max_batch")]["value"] == 3
    assert rows[("serve", "settings.cache_users")]["source"] == "default"
    monkeypatch.setenv("WHYREC_MAX_BATCH", "10")
    shown = json.loads(invoke("config", "show", "serve", "--json"))
    batch = next(r for r in shown["options"] if r["option"] == "settings.max_batch")
    assert (batch["value"], batch["source"]) == ("10", "WHYREC_MAX_BATCH")
    assert {r["command"] for r in shown["options"]} == {"serve"}

    other = in_project / "other.toml"
    other.write_text('[recommend]\nk = 5\n')
    shown = json.loads(invoke("config", "show", "recommend", "--config", str(other), "--json"))
    k = next(r for r in shown["options"] if r["option"] == "k")
    assert (k["value"], k["source"]) == (5, f"{other} [recommend]")
    (in_project / "whyrec.toml").unlink()
    with pytest.raises(ConfigError, match="no config file"):
        runner.invoke(app, ["config", "show"], catch_exceptions=False)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def loop_log() -> Iterator[_Records]:
    """The training loop's log lines (the CLI replaces the root handlers, so this listens on the logger)."""
    records = _Records()
    logger = logging.getLogger("whyrec.models.torch._loop")
    logger.addHandler(records)
    yield records
    logger.removeHandler(records)


def test_max_minutes_stops_a_sequence_model_and_one_stage_runs_say_train(tmp_path: Path, loop_log: _Records) -> None:
    out = tmp_path / "sasrec"
    payload = json.loads(invoke("-v", "train", "--data", "synthetic", "--synthetic-events", "2000", "--model",
                                "sasrec", "--param", "epochs=50", "--param", "refit=false", "--param",
                                "embedding_size=8", "--max-minutes", "0.0001", "--no-evaluate", "--out", str(out),
                                "--json"))
    assert payload["params"]["max_minutes"] == 0.0001 and payload["fitted_on"] == "train"
    assert any("budget (max_minutes) is spent" in m for m in loop_log.messages), loop_log.messages
    epochs = [m for m in loop_log.messages if m.startswith("SASRec epochs 1/50")]
    assert epochs and "sequences/s" in epochs[0] and "valid NDCG" in epochs[0]
    assert load_run(out).meta.fitted_on == "train"

    with pytest.raises(ConfigError, match=r"--max-minutes: ease has no time budget.*sasrec") as e:
        runner.invoke(app, ["train", "--data", "synthetic", "--model", "ease", "--max-minutes", "1", "--out",
                            str(tmp_path / "ease")], catch_exceptions=False)
    assert set(e.value.allowed) == {"sasrec", "gru4rec"}
