"""``whyrec llm ask`` against the scripted server; the error line when no server is configured."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from whyrec.cli.main import app

from tests.llm.conftest import Reply, ScriptedServer, completion_body


def test_ask_prints_the_answer(scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("WHYREC_CACHE_DIR", str(tmp_path))
    scripted.push(Reply(body=completion_body("Hello there")))
    result = CliRunner().invoke(app, ["llm", "ask", "Say hi", "--base-url", scripted.base_url, "--model", "scripted",
                                      "--system", "Be brief.", "--max-tokens", "5", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text"] == "Hello there"
    assert scripted.requests[0]["messages"] == [{"role": "system", "content": "Be brief."},
                                                {"role": "user", "content": "Say hi"}]


def test_ask_without_a_server_says_what_to_set() -> None:
    env = {"PATH": "", "HOME": "/tmp"}
    done = subprocess.run([sys.executable, "-m", "whyrec.cli.main", "llm", "ask", "hi"], capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 2
    assert "WHYREC_LLM_BASE_URL is not set" in done.stderr
