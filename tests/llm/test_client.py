"""The OpenAI-compatible client against a real scripted HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from whyrec.errors import ConfigError, WhyrecError
from whyrec.llm import (
    ChatMessage,
    LLMConfig,
    LLMResponseError,
    LLMTimeoutError,
    LLMUnavailableError,
    OpenAICompatibleClient,
    PromptCache,
)

from tests.llm.conftest import Reply, ScriptedServer, completion_body, free_port

HELLO = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Say hi")]


def make_client(base_url: str, tmp_path: Path | None = None, **settings: object) -> OpenAICompatibleClient:
    config = LLMConfig(base_url=base_url, model="scripted", cache=tmp_path is not None,
                       **{"backoff_s": 0.01, **settings})
    return OpenAICompatibleClient(config, cache=PromptCache(tmp_path) if tmp_path else None)


def test_request_follows_the_openai_protocol(scripted: ScriptedServer) -> None:
    scripted.push(Reply(body=completion_body("Hi!", model="scripted-v2")))
    config = LLMConfig(base_url=scripted.base_url, model="scripted", api_key="sk-test", cache=False)
    with OpenAICompatibleClient(config) as client:
        completion = client.complete(HELLO, max_tokens=7, temperature=0.0)
    assert (completion.text, completion.model, completion.finish_reason, completion.cached) == (
        "Hi!", "scripted-v2", "stop", False)
    assert completion.elapsed_ms > 0
    body = scripted.requests[0]
    assert body["model"] == "scripted"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi"}]
    assert (body["max_tokens"], body["temperature"], body["stream"]) == (7, 0.0, False)
    assert "stop" not in body
    make_client(scripted.base_url).complete(HELLO, stop=["\n"])
    assert scripted.requests[1]["stop"] == ["\n"]
    assert scripted.headers[0]["Authorization"] == "Bearer sk-test"


def test_429_then_200_is_retried(scripted: ScriptedServer) -> None:
    scripted.push(Reply(status=429, body={"error": "slow down"}), Reply(body=completion_body("second")))
    assert make_client(scripted.base_url).complete(HELLO).text == "second"
    assert len(scripted.requests) == 2


def test_503_every_time_gives_unavailable_after_the_retries(scripted: ScriptedServer) -> None:
    scripted.default = Reply(status=503, body={"error": "down"})
    client = make_client(scripted.base_url, max_retries=3)
    with pytest.raises(LLMUnavailableError) as e:
        client.complete(HELLO)
    assert len(scripted.requests) == 4
    assert e.value.status == 503
    assert scripted.base_url in str(e.value) and "503" in str(e.value)


def test_backoff_doubles(scripted: ScriptedServer) -> None:
    scripted.default = Reply(status=500, body="oops")
    with pytest.raises(LLMUnavailableError):
        make_client(scripted.base_url, max_retries=2, backoff_s=0.2).complete(HELLO)
    gaps = [b - a for a, b in zip(scripted.times, scripted.times[1:], strict=False)]
    assert gaps[0] == pytest.approx(0.2, abs=0.1) and gaps[1] == pytest.approx(0.4, abs=0.1)


def test_retry_after_is_honoured(scripted: ScriptedServer) -> None:
    scripted.push(Reply(status=429, headers={"Retry-After": "1"}), Reply(body=completion_body("after")))
    assert make_client(scripted.base_url, backoff_s=0.01).complete(HELLO).text == "after"
    assert scripted.times[1] - scripted.times[0] >= 0.95


def test_retry_after_beyond_the_budget_ends_the_call_at_once(scripted: ScriptedServer) -> None:
    scripted.push(Reply(status=429, headers={"Retry-After": "30"}))
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError):
        make_client(scripted.base_url, timeout_s=2.0, max_backoff_s=60).complete(HELLO)
    assert time.monotonic() - started < 1.0
    assert len(scripted.requests) == 1


def test_a_slow_server_times_out_within_the_budget(scripted: ScriptedServer) -> None:
    scripted.default = Reply(delay_s=3.0)
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError) as e:
        make_client(scripted.base_url, timeout_s=0.5).complete(HELLO)
    assert time.monotonic() - started < 1.5
    assert scripted.base_url in str(e.value)
    assert isinstance(e.value, LLMUnavailableError) and isinstance(e.value, WhyrecError)


def test_unreachable_server_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(LLMUnavailableError) as e:
        make_client(url, max_retries=1).complete(HELLO)
    assert f"{url}/chat/completions" in str(e.value)
    assert e.value.status is None
    assert not isinstance(e.value.__cause__, LLMUnavailableError)


@pytest.mark.parametrize("body", ["<html>502 Bad Gateway</html>", {"choices": []}, {"object": "list"},
                                  {"choices": [{"message": {"role": "assistant"}}]}])
def test_garbage_or_missing_choices_is_a_response_error(scripted: ScriptedServer, body: object) -> None:
    scripted.push(Reply(body=body))  # type: ignore[arg-type]
    with pytest.raises(LLMResponseError) as e:
        make_client(scripted.base_url).complete(HELLO)
    assert "choices" in str(e.value) and scripted.base_url in str(e.value)


def test_client_errors_are_not_retried(scripted: ScriptedServer) -> None:
    scripted.default = Reply(status=401, body={"error": {"message": "bad key"}})
    with pytest.raises(LLMResponseError) as e:
        make_client(scripted.base_url).complete(HELLO)
    assert e.value.status == 401 and "bad key" in str(e.value)
    assert len(scripted.requests) == 1


def test_no_httpx_exception_leaks(scripted: ScriptedServer) -> None:
    for reply in (Reply(delay_s=2.0), Reply(status=503), Reply(body="not json")):
        scripted.script.clear()
        scripted.default = reply
        with pytest.raises(WhyrecError) as e:
            make_client(scripted.base_url, timeout_s=0.5, max_retries=0).complete(HELLO)
        assert not isinstance(e.value, httpx.HTTPError)


def test_concurrency_limit_holds_across_threads(scripted: ScriptedServer) -> None:
    scripted.default = Reply(delay_s=0.3)
    client = make_client(scripted.base_url, max_concurrency=2, timeout_s=10)
    threads = [threading.Thread(target=client.complete, args=(HELLO,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(scripted.requests) == 6
    assert scripted.max_in_flight == 2


def test_cache_hit_makes_no_request(scripted: ScriptedServer, tmp_path: Path) -> None:
    scripted.push(Reply(body=completion_body("first")), Reply(body=completion_body("second")))
    client = make_client(scripted.base_url, tmp_path)
    first = client.complete(HELLO, max_tokens=10)
    again = make_client(scripted.base_url, tmp_path).complete(HELLO, max_tokens=10)  # a new client, same folder
    assert (first.text, first.cached, again.text, again.cached) == ("first", False, "first", True)
    assert len(scripted.requests) == 1
    other = client.complete(HELLO, max_tokens=11)  # other parameters: another key
    assert other.text == "second" and len(scripted.requests) == 2
    assert len(list(tmp_path.rglob("*.json"))) == 2
    scripted.push(Reply(body=completion_body("sampled")))
    assert client.complete(HELLO, max_tokens=10, temperature=0.7).text == "sampled"  # sampling skips the cache


def test_cache_defaults_to_whyrec_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHYREC_CACHE_DIR", str(tmp_path))
    client = OpenAICompatibleClient(LLMConfig(base_url="http://127.0.0.1:1/v1", model="m"))
    assert client.cache is not None and client.cache.folder == tmp_path / "llm"


def test_config_from_environment() -> None:
    config = LLMConfig.from_env({"WHYREC_LLM_BASE_URL": "http://localhost:11434/v1/", "WHYREC_LLM_MODEL": "qwen",
                                 "WHYREC_LLM_API_KEY": "sk-secret-123", "WHYREC_LLM_TIMEOUT_S": "2.5"})
    assert (config.endpoint, config.model, config.timeout_s) == ("http://localhost:11434/v1/chat/completions",
                                                                 "qwen", 2.5)
    assert config.api_key is not None and "sk-secret-123" not in repr(config)
    assert LLMConfig.from_env({"WHYREC_LLM_BASE_URL": "http://h/v1"}, model="flag").model == "flag"


@pytest.mark.parametrize(("env", "field"), [({"WHYREC_LLM_MODEL": "m"}, "base_url"),
                                            ({"WHYREC_LLM_BASE_URL": "not a url", "WHYREC_LLM_MODEL": "m"}, "base_url"),
                                            ({"WHYREC_LLM_BASE_URL": "http://h/v1", "WHYREC_LLM_MODEL": "m",
                                              "WHYREC_LLM_MAX_RETRIES": "-1"}, "max_retries")])
def test_config_errors_name_the_variable(env: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError) as e:
        LLMConfig.from_env(env)
    assert e.value.field == field and f"WHYREC_LLM_{field.upper()}" in str(e.value)
