"""`whyrec calibrate` and the trust cards of `whyrec explain --lang` on ml-100k."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from whyrec.cli.main import app
from whyrec.runs import load_run

from tests.cli.conftest import invoke, runner


@pytest.fixture
def run(runs: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the EASE run, so that calibrating it leaves the shared one alone."""
    return Path(shutil.copytree(runs["ease"], tmp_path / "ease"))


def test_uncalibrated_cards_say_how_to_calibrate(run: Path) -> None:
    text = invoke("explain", str(run), "--user", "196", "--k", "3", "--lang", "zh")
    assert text.count("因为你给《") == 3 and "Because" not in text  # ml-100k logs ratings
    assert text.count(f"置信度未校准（运行 `whyrec calibrate {run}`）") == 3
    assert "反事实已验证：重新训练" in text  # EASE: checked against the retrained model
    assert "列表：多样性" in text and "热门项目占" in text
    for english in ("counterfactual", "trust:", "confidence", "evidence strength", "list:", "popular", "score",
                    "item ", "events", "why these"):
        assert english not in text  # every line of the card is in Chinese, titles and ids aside


def test_calibrate_then_explain_shows_confidence(run: Path) -> None:
    payload = json.loads(invoke("calibrate", str(run), "--json"))
    assert payload["model"] == "ease" and payload["ece_bins"] == 10 and payload["k"] == 10
    assert 0.0 <= payload["ece_test"] < 0.06
    assert (run / "calibration.json").is_file() and load_run(run).meta.model == "ease"  # load_run unaffected
    explanations = json.loads(invoke("explain", str(run), "--user", "196", "--k", "10", "--lang", "zh", "--json"))
    confidence = [e["trust"]["confidence"] for e in explanations]
    assert all(0 < c < 1 for c in confidence) and confidence == sorted(confidence, reverse=True)
    for e in explanations:
        assert e["reason"]["lang"] == "zh" and e["reason"]["source"] == "template"
        assert e["reason"]["text"].startswith("因为你给《" + e["evidence"][0]["label"] + "》")
        assert e["evidence"][0]["event"] == "rating"
        assert e["trust"]["counterfactual_verified"] == (e["counterfactual"]["verified"] is not None)
        assert 0 < e["trust"]["evidence_strength"] <= 1
    text = invoke("explain", str(run), "--user", "196", "--k", "2")
    assert "Because you rated" in text and f"confidence {confidence[0]:.0%}" in text


def test_bad_language_exits_2_with_the_choices(run: Path) -> None:
    result = runner.invoke(app, ["explain", str(run), "--user", "196", "--lang", "fr"])
    assert result.exit_code == 2 and "'fr' is not one of 'en', 'zh'" in result.output


def test_explain_with_an_llm_keeps_faithful_text_and_rejects_invented_titles(run: Path, monkeypatch) -> None:
    """--llm sends each reason through the LLM and the guard; the CLI shows which text survived and why."""
    from whyrec.explain.text.mentions import display_title

    from tests.llm.conftest import Reply, ScriptedServer, completion_body

    monkeypatch.setenv("WHYREC_LLM_CACHE", "false")
    template = json.loads(invoke("explain", str(run), "--user", "196", "--k", "2", "--json"))
    # grounded generation: the model writes slot markers and whyrec fills in the real titles
    faithful = "Because you rated [H1] and [H2]."
    titles = [x["label"] for x in template[0]["evidence"][:2]]
    with ScriptedServer() as server:
        server.push(Reply(body=completion_body(faithful, model="scripted")),
                    Reply(body=completion_body("You will love it because you watched Titanic (1997) twice.",
                                               model="scripted")))
        out = json.loads(invoke("explain", str(run), "--user", "196", "--k", "2", "--llm", "--llm-url",
                                server.base_url, "--llm-model", "scripted", "--json"))
    assert len(server.requests) == 2
    first, second = (e["reason"] for e in out)
    assert first["source"] == "llm" and first["rejected"] is None
    assert first["text"] == f'Because you rated "{display_title(titles[0])}" and "{display_title(titles[1])}".'
    assert second["source"] == "template" and second["llm_model"] == "scripted" and second["rejected"]
    assert second["text"] == template[1]["reason"]["text"]


def test_explain_with_an_unreachable_llm_falls_back_to_the_template(run: Path, monkeypatch) -> None:
    from tests.llm.conftest import free_port

    monkeypatch.setenv("WHYREC_LLM_CACHE", "false")
    monkeypatch.setenv("WHYREC_LLM_TIMEOUT_S", "2")
    monkeypatch.setenv("WHYREC_LLM_MAX_RETRIES", "0")
    out = json.loads(invoke("explain", str(run), "--user", "196", "--k", "1", "--llm", "--llm-url",
                            f"http://127.0.0.1:{free_port()}/v1", "--llm-model", "none", "--json"))
    reason = out[0]["reason"]
    assert reason["source"] == "template" and reason["rejected"] == "unavailable"
