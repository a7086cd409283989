"""A sparse shop through the CLI: `train` and `evaluate` warn with the no-signal share, `explain` falls back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from whyrec.cli.main import app
from whyrec.data.builtin.synthetic import SyntheticConfig, write_synthetic
from whyrec.explain.base import ScoredHistory
from whyrec.explain.signal import has_signal, no_signal_share
from whyrec.runs import load_run

from tests.cli.conftest import invoke, runner


@pytest.fixture(scope="module")
def sparse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An EASE run on a sparse shop (600 shoppers, about two events each), and what `train` printed.

    EASE reads the interactions only (``attribute_weight=0``): with the catalog as side information most of
    these shoppers do get a signal (`test_side_information_gives_signal_to_more_shoppers`)."""
    root = tmp_path_factory.mktemp("sparse")
    paths = write_synthetic(SyntheticConfig(n_events=1_200, n_users=600, n_items=1_200, seed=2), root / "data")
    result = runner.invoke(app, ["train", "--data", str(paths["events"]), "--catalog", str(paths["catalog"]),
                                 "--model", "ease", "--param", "attribute_weight=0", "--out", str(root / "ease")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "ease", result.output


def _share(run_dir: Path) -> float:
    run = load_run(run_dir)
    return no_signal_share(run.model, run.split.fit.histories_of(run.split.test.active_users), k=10,
                           candidates=run.split.fit.active_items)


def test_train_and_evaluate_warn_with_the_share_of_test_users_without_signal(sparse: tuple[Path, str]) -> None:
    run_dir, printed = sparse
    share = _share(run_dir)
    assert share > 0.1
    said = re.search(r"warning: the model has no signal for (\d+)% of test users", printed)
    assert said is not None and int(said.group(1)) == round(100 * share)
    result = runner.invoke(app, ["evaluate", str(run_dir)], catch_exceptions=False)
    assert result.exit_code == 0 and "warning: the model has no signal for" in result.output


def test_explain_falls_back_to_popularity_and_says_why(sparse: tuple[Path, str]) -> None:
    run_dir, _ = sparse
    run = load_run(run_dir)
    fit = run.fit_data
    users = fit.users.ids_of(fit.active_users)
    def signal(user: str) -> bool:
        scored = ScoredHistory(run.model, fit.history(user), fit.n_items, fit.active_items)
        return has_signal(scored.scores[~scored.excluded], 10)

    lacking = next(u for u in users if not signal(u))
    text = invoke("explain", str(run_dir), "--user", lacking, "--k", "3")
    assert "fallback: popularity (the model's top 3 scores for this history are all equal" in text
    assert "counterfactual" not in text and text.count("It is popular with other shoppers.") == 3
    assert "回退：按热度推荐" in invoke("explain", str(run_dir), "--user", lacking, "--k", "3", "--lang", "zh")
    made = json.loads(invoke("explain", str(run_dir), "--user", lacking, "--k", "3", "--json"))
    assert all(e["method"] == "popularity" and e["counterfactual"] is None for e in made)
    fine = next(u for u in users if signal(u))
    assert "fallback" not in invoke("explain", str(run_dir), "--user", fine, "--k", "3")


def test_side_information_gives_signal_to_more_shoppers(sparse: tuple[Path, str]) -> None:
    run_dir, _ = sparse
    data = run_dir.parent / "data"
    result = runner.invoke(app, ["train", "--data", str(data / "events.csv"), "--catalog", str(data / "catalog.csv"),
                                 "--model", "ease", "--param", "attribute_weight=0.5", "--out",
                                 str(run_dir.parent / "side")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert _share(run_dir.parent / "side") < _share(run_dir) / 2
