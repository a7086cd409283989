"""CLI fixtures: runs trained once per session through the CLI itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whyrec.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> str:
    """Run the CLI in-process; fail the test on a non-zero exit."""
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for model, params in (("ease", ["--param", "lambda=250", "--param", "use_weights=false", "--param",
                                    "attribute_weight=0"]), ("pop", [])):
        out[model] = root / model
        payload = json.loads(invoke("train", "--data", "ml-100k", "--model", model, "--out", str(out[model]),
                                    *params, "--json"))
        assert payload["protocol"] == "temporal-user-holdout/v1"
        assert payload["split_sizes"] == {"train": 72755, "valid": 7612, "test": 19633}
    return out


