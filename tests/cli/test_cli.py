"""End-to-end CLI runs on ml-100k: train, evaluate, recommend, compare, data; errors are one line."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import whyrec
from whyrec.cli.main import COMMANDS, app, load_command
from whyrec.errors import ConfigError, UnknownIdError

from tests.cli.conftest import invoke, runner


def test_train_records_split_params_and_metrics(runs: dict[str, Path]) -> None:
    meta = json.loads((runs["ease"] / "meta.json").read_text())
    assert meta["model"] == "ease" and meta["params"]["regularization"] == 250
    assert meta["fitted_on"] == "train+valid" and meta["data"]["source"] == "ml-100k"
    assert meta["metrics"]["ndcg@10"] == pytest.approx(0.1916, abs=1e-4)  # cornac/recbole EASE lamb=250


def test_evaluate_json_matches_reference_ease(runs: dict[str, Path]) -> None:
    payload = json.loads(invoke("evaluate", str(runs["ease"]), "--k", "10", "--k", "20", "--json"))
    metrics = payload["metrics"]
    assert payload["users"] == 943
    assert metrics["ndcg@10"] == pytest.approx(0.1916, abs=1e-4)
    assert metrics["recall@20"] == pytest.approx(0.1961, abs=1e-4)
    assert metrics["coverage@10"] == pytest.approx(0.2624, abs=1e-4)


def test_evaluate_breakdowns(runs: dict[str, Path]) -> None:
    payload = json.loads(invoke("evaluate", str(runs["ease"]), "--k", "10", "--by", "gender", "--by", "activity",
                                "--exposure", "--json"))
    gender = {row["gender"]: row for row in payload["breakdown"]["gender"]}
    assert set(gender) == {"F", "M"} and gender["F"]["users"] + gender["M"]["users"] == 943
    overall = payload["metrics"]["ndcg@10"]
    weighted = sum(r["ndcg@10"] * r["users"] for r in gender.values()) / 943
    assert weighted == pytest.approx(overall, abs=1e-9)
    exposure = {row["bucket"]: row for row in payload["exposure"]}
    assert sum(r["slot_share"] for r in exposure.values()) == pytest.approx(1.0)
    assert exposure["head"]["slot_share"] > exposure["head"]["catalog_share"]  # EASE favours popular items


def test_recommend_user_history_and_all_users(runs: dict[str, Path], tmp_path: Path, ml100k_split) -> None:
    recs = json.loads(invoke("recommend", str(runs["ease"]), "--user", "196", "--k", "10", "--json"))
    assert [r["rank"] for r in recs] == list(range(1, 11))
    seen = set(ml100k_split.fit.items.ids_of(ml100k_split.fit.history("196").items))
    assert not {r["item_id"] for r in recs} & seen
    assert all(a["score"] >= b["score"] for a, b in itertools.pairwise(recs))

    new = json.loads(invoke("recommend", str(runs["ease"]), "--history", "50,172,181", "--k", "5", "--json"))
    assert len(new) == 5 and not {"50", "172", "181"} & {r["item_id"] for r in new}

    csv = tmp_path / "recs.csv"
    invoke("recommend", str(runs["ease"]), "--all-users", "--k", "20", "--out", str(csv))
    frame = pd.read_csv(csv, dtype={"user_id": str, "item_id": str})
    assert list(frame.columns) == ["user_id", "item_id", "rank", "score"]
    assert frame["user_id"].nunique() == 943 and (frame.groupby("user_id").size() == 20).all()
    user_196 = frame[frame.user_id == "196"].sort_values("rank").head(10)
    assert user_196["item_id"].tolist() == [r["item_id"] for r in recs]


def test_compare_reports_significance(runs: dict[str, Path]) -> None:
    payload = json.loads(invoke("compare", str(runs["pop"]), str(runs["ease"]), "--json"))
    assert [r["model"] for r in payload["runs"]] == ["pop", "ease"]
    ndcg = next(t for t in payload["paired_tests"] if t["metric"] == "ndcg@10")
    assert ndcg["n_users"] == 943
    assert ndcg["mean_difference"] == pytest.approx(0.1916 - 0.1111, abs=2e-3)
    assert ndcg["wilcoxon_p"] < 1e-6 and ndcg["ttest_p"] < 1e-6


def test_data_info_and_validate(tmp_path: Path) -> None:
    info = json.loads(invoke("data", "info", "ml-100k", "--json"))
    assert (info["events"], info["users"], info["items"]) == (100_000, 943, 1682)
    assert "category" in info["item_attributes"] and "age_band" in info["user_attributes"]
    good = tmp_path / "events.csv"
    good.write_text("user_id,item_id,timestamp,event\nu1,p1,1700000000,view\nu1,p1,1700000000,view\n"
                    "u1,p2,2024-05-01T10:00:00Z,purchase\n")
    report = json.loads(invoke("data", "validate", str(good), "--json"))
    assert report["valid"] and report["cleaning"]["rows_kept"] == 2
    assert sum(report["cleaning"]["dropped"].values()) == 1


def test_library_errors_reach_the_cli_boundary(runs: dict[str, Path]) -> None:
    with pytest.raises(UnknownIdError, match="User 'nobody' not in run"):
        runner.invoke(app, ["recommend", str(runs["ease"]), "--user", "nobody"], catch_exceptions=False)
    with pytest.raises(ConfigError, match="exactly one of"):
        runner.invoke(app, ["recommend", str(runs["ease"])], catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recommend", "RUN", "--history", "50,nope"], "Item 'nope' not in run"),
        (["train", "--data", "ml-100k", "--model", "svd", "--out", "x"], "unknown model 'svd'; valid models"),
        (["evaluate", "/nonexistent/run"], "is not a run directory"),
        (["data", "validate", "missing.csv"], "missing.csv: no such file"),
        (["explain", "POP", "--user", "196", "--method", "exact"],
         "cannot explain 'pop': it needs a model with exact contributions (AdditiveScorer). Choose another with "
         "--method (`whyrec explain --help` lists them)."),
    ],
)
def test_errors_are_one_line_without_traceback(args: list[str], message: str, runs: dict[str, Path]) -> None:
    run_args = {"RUN": str(runs["ease"]), "POP": str(runs["pop"])}
    args = [run_args.get(a, a) for a in args]
    done = subprocess.run([sys.executable, "-m", "whyrec.cli.main", *args], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("damage", ["truncated", "empty"])
@pytest.mark.parametrize("command", [["serve"], ["recommend", "--user", "196"]], ids=["serve", "recommend"])
def test_a_damaged_arrays_file_is_a_one_line_error(command: list[str], damage: str, runs: dict[str, Path],
                                                   tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs["ease"], run)
    arrays = run / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[: arrays.stat().st_size // 2] if damage == "truncated" else b"")
    done = subprocess.run([sys.executable, "-m", "whyrec.cli.main", command[0], str(run), *command[1:]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "cannot load" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


HEAVY = {"pandas", "scipy", "sklearn", "torch", "shap", "optuna", "fastapi", "pyspark", "numba"}


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(flag: str) -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "whyrec.cli.main", flag], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    if flag == "--version":
        assert done.stdout.strip() == f"whyrec {whyrec.__version__}"
    else:
        assert all(name in done.stdout for name in COMMANDS)
    # -X importtime writes "import time: self | cumulative | [indent]module" for every module imported
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert {"whyrec", "typer"} <= imported  # the parse found the app's own imports
    assert imported & HEAVY == set()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listing_shows_each_commands_own_summary(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert " ".join((command.help or "").split("\n\n")[0].split()) == COMMANDS[name].summary


def test_lazy_commands_keep_their_options() -> None:
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert all(option in result.stdout for option in ("--data", "--model", "--out", "--param", "--split", "--json"))
    typo = runner.invoke(app, ["trian"])
    assert typo.exit_code == 2 and "Did you mean 'train'?" in typo.output


def test_recommend_filters_by_category_exclude_and_candidates(runs: dict[str, Path], ml100k_split) -> None:
    fit = ml100k_split.fit
    comedy = json.loads(invoke("recommend", str(runs["ease"]), "--user", "196", "--k", "10", "--category", "Comedy",
                               "--json"))
    assert len(comedy) == 10
    for r in comedy:
        assert "Comedy" in fit.catalog.attributes.values("category", fit.items.index_of(r["item_id"]))
    first = comedy[0]["item_id"]
    rest = json.loads(invoke("recommend", str(runs["ease"]), "--user", "196", "--k", "9", "--filter",
                             "category:Comedy", "--exclude", first, "--json"))
    assert [r["item_id"] for r in rest] == [r["item_id"] for r in comedy[1:]]
    seen = set(fit.history("196").items.tolist())
    unseen = [fit.items.id_of(i) for i in fit.active_items.tolist() if i not in seen][:3]
    chosen = json.loads(invoke("recommend", str(runs["ease"]), "--user", "196", "--k", "10", "--candidates",
                               ",".join([*unseen, "nope"]), "--json"))
    assert sorted(r["item_id"] for r in chosen) == sorted(unseen)
    with pytest.raises(UnknownIdError, match="its values include"):
        runner.invoke(app, ["recommend", str(runs["ease"]), "--user", "196", "--category", "Comdy"],
                      catch_exceptions=False)
