"""rewrite(): the LLM's sentence when the guard accepts it, else the template's, with the reason recorded."""

from __future__ import annotations

import time

import pytest

from whyrec.data import Dataset
from whyrec.explain import Lang, TextSource
from whyrec.explain.text import realize
from whyrec.llm import LLMConfig, OpenAICompatibleClient, llm_reason, rewrite

from tests.llm.conftest import Reply, ScriptedServer, completion_body, free_port
from tests.llm.test_prompt import star_wars


def client_for(base_url: str, **settings: object) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(LLMConfig(base_url=base_url, model="scripted", cache=False, backoff_s=0.01,
                                            **settings))


def test_accepted_text_is_used(scripted: ScriptedServer, ml100k: Dataset) -> None:
    text = "We recommend Star Wars because you watched Return of the Jedi."
    scripted.push(Reply(body=completion_body(text, model="smol")))
    explained = rewrite(star_wars(), ml100k.catalog, client_for(scripted.base_url), "en", grounded=False)
    assert explained.reason is not None
    assert (explained.reason.text, explained.reason.source, explained.reason.llm_model, explained.reason.rejected) == (
        text, TextSource.LLM, "smol", None)
    assert "RECOMMENDED ITEM" in str(scripted.requests[0]["messages"])
    assert (scripted.requests[0]["temperature"], scripted.requests[0]["stop"]) == (0.0, ["\n"])


def test_rejected_text_falls_back_to_the_template(scripted: ScriptedServer, ml100k: Dataset) -> None:
    scripted.push(Reply(body=completion_body("The user chose 'Return of the Jedi' as their recommended item.")))
    result = llm_reason(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.EN, grounded=False)
    reason, verdict = result.reason, result.verdict
    assert verdict is not None and not verdict.accepted
    assert result.llm_text == "The user chose 'Return of the Jedi' as their recommended item."
    assert reason.source is TextSource.TEMPLATE and reason.llm_model == "scripted"
    assert reason.rejected == "swapped_role: 'Return of the Jedi'"
    assert reason.text == realize(star_wars(), ml100k.catalog, Lang.EN).text


def test_chinese_rewrite(scripted: ScriptedServer, ml100k: Dataset) -> None:
    scripted.push(Reply(body=completion_body("因为你看过《Return of the Jedi》，所以向你推荐《Star Wars》。")))
    reason = rewrite(star_wars(), ml100k.catalog, client_for(scripted.base_url), Lang.ZH, grounded=False).reason
    assert reason is not None and (reason.source, reason.lang) == (TextSource.LLM, Lang.ZH)


@pytest.mark.parametrize(("reply", "why"), [(Reply(delay_s=3.0), "timeout"),
                                            (Reply(status=503), "unavailable"),
                                            (Reply(body="{}"), "bad_response")])
def test_server_trouble_gives_the_template_in_time(scripted: ScriptedServer, ml100k: Dataset, reply: Reply,
                                                   why: str) -> None:
    scripted.default = reply
    started = time.monotonic()
    reason = rewrite(star_wars(), ml100k.catalog, client_for(scripted.base_url, timeout_s=0.6, max_retries=1),
                     "en").reason
    assert time.monotonic() - started < 1.5
    assert reason is not None and (reason.source, reason.rejected) == (TextSource.TEMPLATE, why)


def test_unreachable_server_gives_the_template(ml100k: Dataset) -> None:
    client = client_for(f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
    reason = rewrite(star_wars(), ml100k.catalog, client, "en").reason
    assert reason is not None and (reason.source, reason.rejected, reason.llm_model) == (
        TextSource.TEMPLATE, "unavailable", "scripted")
