"""``whyrec recommend`` and ``whyrec evaluate`` with --ann: results name their retrieval."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from whyrec.runs import load_run

from tests.cli.conftest import invoke
from tests.retrieval.conftest import THRESHOLD


def test_recommend_and_evaluate_say_how_lists_were_found(shop_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "als"
    shutil.copytree(shop_run, run_dir)
    fit = load_run(run_dir).fit_data
    user = fit.users.id_of(int(fit.active_users[0]))
    auto = json.loads(invoke("recommend", str(run_dir), "--user", user, "--k", "10", "--json"))
    assert {r["retrieval"] for r in auto} == {"exact"}  # 5,000 items: under the default threshold
    lowered = json.loads(invoke("recommend", str(run_dir), "--user", user, "--k", "10", "--json",
                                "--ann-threshold", str(THRESHOLD)))
    assert {r["retrieval"] for r in lowered} == {"approximate"}
    assert not set(r["item_id"] for r in lowered) & set(fit.items.ids_of(fit.history(user).items))
    assert len({r["item_id"] for r in lowered} & {r["item_id"] for r in auto}) >= 9
    csv = tmp_path / "recs.csv"
    summary = json.loads(invoke("recommend", str(run_dir), "--all-users", "--k", "20", "--out", str(csv),
                                "--ann", "on", "--json"))
    assert summary["retrieval"] == "approximate" and summary["approximate_lists"] > 0
    assert len(pd.read_csv(csv)) == summary["rows"]
    recorded = load_run(run_dir).meta.metrics
    approximate = json.loads(invoke("evaluate", str(run_dir), "--k", "10", "--ann", "on", "--json"))
    assert approximate["retrieval"] == "approximate"
    assert load_run(run_dir).meta.metrics == recorded  # the run keeps the exact protocol's numbers
    exact = json.loads(invoke("evaluate", str(run_dir), "--k", "10", "--json"))
    assert exact["retrieval"] == "exact"
    assert abs(approximate["metrics"]["ndcg@10"] - exact["metrics"]["ndcg@10"]) < 0.02
