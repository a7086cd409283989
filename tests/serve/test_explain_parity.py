"""The API explains a list exactly as ``whyrec explain`` does: same trust (calibrated) and counterfactuals."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whyrec.cli.main import app as cli
from whyrec.data import Dataset
from whyrec.evaluate import Split
from whyrec.models import EASE
from whyrec.serve.app import create_app

from tests.serve.runs import save_ml100k_run, settings_for

USER = "196"


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_api_explanations_carry_the_clis_trust_and_counterfactual(ml100k: Dataset, ml100k_split: Split,
                                                                   tmp_path: Path) -> None:
    run = save_ml100k_run(tmp_path / "ease", EASE(), ml100k, ml100k_split)
    _cli("calibrate", str(run))
    printed = json.loads(_cli("explain", str(run), "--user", USER, "--json"))
    settings = settings_for(run, f"sqlite:///{tmp_path / 'whyrec.sqlite3'}")
    with TestClient(create_app(settings)) as client:
        response = client.get(f"/v1/users/{USER}/recommendations", params={"explain": "true"})
    assert response.status_code == 200, response.text
    served = [entry["explanation"] for entry in response.json()["items"]]
    assert [e["item_id"] for e in served] == [e["item_id"] for e in printed] and len(printed) == 10
    assert [e["trust"] for e in served] == [e["trust"] for e in printed]
    assert all(e["trust"]["confidence"] is not None for e in served)
    assert [e["counterfactual"] for e in served] == [e["counterfactual"] for e in printed]
    assert any(e["counterfactual"]["verified"] for e in served)
    assert [e["method"] for e in served] == [e["method"] for e in printed] == ["exact"] * 10
