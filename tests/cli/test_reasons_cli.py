"""`whyrec calibrate` and the trust cards of `whyrec explain --lang` on ml-100k."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import invoke, runner
from whyrec.cli.main import app
from whyrec.models.persistence import load_run


@pytest.fixture
def run(runs: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the EASE run, so that calibrating it leaves the shared one alone."""
    return Path(shutil.copytree(runs["ease"], tmp_path / "ease"))


def test_uncalibrated_cards_say_how_to_calibrate(run: Path) -> None:
    text = invoke("explain", str(run), "--user", "196", "--k", "3", "--lang", "zh")
    assert text.count("因为你看过《") == 3 and "Because" not in text
    assert text.count(f"not calibrated (run `whyrec calibrate {run}`)") == 3
    assert "counterfactual verified: yes" in text and "list: diversity" in text and "popular items" in text


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
        assert e["reason"]["text"].startswith("因为你看过《" + e["evidence"][0]["label"] + "》")
        assert e["trust"]["counterfactual_verified"] == e["counterfactual"]["verified"]
        assert 0 < e["trust"]["evidence_strength"] <= 1
    text = invoke("explain", str(run), "--user", "196", "--k", "2")
    assert "Because you watched" in text and f"confidence {confidence[0]:.0%}" in text


def test_bad_language_exits_2_with_the_choices(run: Path) -> None:
    result = runner.invoke(app, ["explain", str(run), "--user", "196", "--lang", "fr"])
    assert result.exit_code == 2 and "'fr' is not one of 'en', 'zh'" in result.output
