"""``whyrec llm serve``'s app under uvicorn on 127.0.0.1, called through the same client as a remote server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import pytest

from whyrec.llm import ChatMessage, LLMConfig, LLMResponseError, OpenAICompatibleClient
from whyrec.llm.local import Generation
from whyrec.llm.server import create_app

from tests.llm.conftest import UvicornThread


class EchoBackend:
    """Answers with the last user message reversed, and records the generation settings."""

    name = "echo-1"

    def __init__(self) -> None:
        self.calls: list[tuple[int, float]] = []

    def generate(self, messages: Sequence[ChatMessage], *, max_tokens: int = 120, temperature: float = 0.0,
                 stop: Sequence[str] = ()) -> Generation:
        self.calls.append((max_tokens, temperature, tuple(stop)))
        text = messages[-1].content[::-1]
        return Generation(text=text, prompt_tokens=len(messages), completion_tokens=len(text),
                          finish_reason="stop", elapsed_ms=1.0)


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[EchoBackend, UvicornThread]]:
    backend = EchoBackend()
    with UvicornThread(create_app(backend)) as server:
        yield backend, server


def test_chat_completion_through_the_client(echo: tuple[EchoBackend, UvicornThread]) -> None:
    backend, server = echo
    client = OpenAICompatibleClient(LLMConfig(base_url=server.base_url, model="echo-1", cache=False))
    completion = client.complete([ChatMessage(role="user", content="abc")], max_tokens=9, temperature=0.0,
                                 stop=["\n"])
    assert (completion.text, completion.model, completion.finish_reason) == ("cba", "echo-1", "stop")
    assert backend.calls[-1] == (9, 0.0, ("\n",))
    httpx.post(f"{server.base_url}/chat/completions", json={"messages": [{"role": "user", "content": "x"}],
                                                             "stop": "END"}).raise_for_status()
    assert backend.calls[-1][2] == ("END",)


def test_models_and_usage(echo: tuple[EchoBackend, UvicornThread]) -> None:
    _, server = echo
    assert httpx.get(f"{server.base_url}/models").json()["data"][0]["id"] == "echo-1"
    body = httpx.post(f"{server.base_url}/chat/completions",
                      json={"messages": [{"role": "user", "content": "hello"}]}).json()
    assert body["object"] == "chat.completion"
    assert body["usage"] == {"prompt_tokens": 1, "completion_tokens": 5, "total_tokens": 6}


def test_unknown_model_and_streaming_are_refused(echo: tuple[EchoBackend, UvicornThread]) -> None:
    _, server = echo
    client = OpenAICompatibleClient(LLMConfig(base_url=server.base_url, model="gpt-4o", cache=False))
    with pytest.raises(LLMResponseError) as e:
        client.complete([ChatMessage(role="user", content="x")])
    assert e.value.status == 404 and "echo-1" in str(e.value)
    streamed = httpx.post(f"{server.base_url}/chat/completions",
                          json={"messages": [{"role": "user", "content": "x"}], "stream": True})
    assert streamed.status_code == 422
