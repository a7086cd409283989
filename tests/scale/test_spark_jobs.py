"""Spark in local mode: ``whyrec spark evaluate`` equals ``whyrec evaluate`` on the same run, and ``whyrec spark
explain`` equals the single-node explanations of the same pairs and lists."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.errors import SchemaError, UnknownIdError
from whyrec.explain.explanation import ExplainMethod
from whyrec.explain.pipeline import explain_list
from whyrec.runs import Run, load_run

# a JVM and a Spark-trained run per worker: long, so parallel runs start these files first
pytestmark = pytest.mark.slow

runner = CliRunner()


def test_spark_evaluate_equals_single_node_evaluate(spark, spark_run: Run) -> None:  # type: ignore[no-untyped-def]
    on_spark = runner.invoke(app, ["spark", "evaluate", str(spark_run.path), "--k", "5", "--k", "10",
                                   "--partitions", "3", "--json"])
    assert on_spark.exit_code == 0, on_spark.output
    spark_per_user = load_run(spark_run.path).per_user_metrics()
    single = runner.invoke(app, ["evaluate", str(spark_run.path), "--k", "5", "--k", "10", "--json"])
    assert single.exit_code == 0, single.output
    got, want = json.loads(on_spark.stdout), json.loads(single.stdout)
    assert got["users"] == want["users"] == len(spark_run.split.test.active_users)
    assert set(got["metrics"]) == set(want["metrics"]) and "coverage@10" in got["metrics"]
    for name, value in want["metrics"].items():
        assert got["metrics"][name] == pytest.approx(value, abs=1e-6), name
    assert want["metrics"]["recall@10"] > 0  # a model that finds something: the equality is not of zeros
    single_per_user = load_run(spark_run.path).per_user_metrics()
    assert spark_per_user is not None and single_per_user is not None
    pd.testing.assert_frame_equal(spark_per_user, single_per_user, atol=1e-6)


def test_spark_explains_given_pairs_and_listed_users_as_one_machine_does(  # type: ignore[no-untyped-def]
        spark, spark_run: Run, tmp_path: Path) -> None:
    from whyrec.scale.spark import explanation_rows

    fit = spark_run.fit_data
    users = [fit.users.ids[int(u)] for u in fit.active_users[:4]]
    items = [fit.items.ids[int(i)] for i in fit.active_items[-3:]]
    pairs = pd.DataFrame({"user_id": np.repeat(users, len(items)), "item_id": items * len(users)})
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    made = runner.invoke(app, ["spark", "explain", str(spark_run.path), "--users", str(tmp_path / "pairs.csv"),
                               "--out", str(tmp_path / "pairs"), "--k", "5", "--partitions", "2"])
    assert made.exit_code == 0, made.output
    rows = pd.read_parquet(tmp_path / "pairs" / "explanations")
    assert len(rows) == len(pairs)
    for user in users:
        mine = rows[rows["user_id"] == user].set_index("item_id").loc[items]
        single = explain_list(spark_run.model, fit.history(user), fit.items.indices_of(items), dataset=fit,
                              method=ExplainMethod.EXACT, candidates=fit.active_items, k=5, top_n=None)
        for (_, row), e in zip(mine.iterrows(), single, strict=True):
            assert row["rank"] == e.rank and row["method"] == "exact"
            np.testing.assert_allclose([row["score"], row["baseline"]], [e.score, e.baseline], atol=1e-5)
            assert list(row["evidence_ref"]) == [x.ref for x in e.evidence]
            np.testing.assert_allclose(row["evidence_weight"], [x.weight for x in e.evidence], atol=1e-5)
    pd.DataFrame({"user_id": users[:2]}).to_parquet(tmp_path / "users.parquet")
    listed = runner.invoke(app, ["spark", "explain", str(spark_run.path), "--users",
                                 str(tmp_path / "users.parquet"), "--out", str(tmp_path / "lists"), "--k", "3"])
    assert listed.exit_code == 0, listed.output
    got = pd.read_parquet(tmp_path / "lists" / "explanations").sort_values(["user_id", "rank"], ignore_index=True)
    want = explanation_rows(spark_run, users[:2], k=3).sort_values(["user_id", "rank"], ignore_index=True)
    assert list(got["item_id"]) == list(want["item_id"]) and len(got) == 6
    np.testing.assert_allclose(got["score"], want["score"], atol=1e-5)


def test_explain_targets_name_the_file_and_the_unknown_ids(  # type: ignore[no-untyped-def]
        spark, spark_run: Run, tmp_path: Path) -> None:
    from whyrec.scale.spark import read_targets

    pd.DataFrame({"customer": ["u1"]}).to_csv(tmp_path / "who.csv", index=False)
    with pytest.raises(SchemaError) as e:
        read_targets(tmp_path / "who.csv", spark_run)
    assert e.value.missing == ("user_id",) and e.value.found == ("customer",)
    user = spark_run.fit_data.users.ids[int(spark_run.fit_data.active_users[0])]
    pd.DataFrame({"user_id": [user, user], "item_id": [spark_run.fit_data.items.ids[0], "no-such-item"]}).to_csv(
        tmp_path / "pairs.csv", index=False)
    with pytest.raises(UnknownIdError) as unknown:
        read_targets(tmp_path / "pairs.csv", spark_run)
    assert unknown.value.kind == "item" and list(unknown.value.ids) == ["no-such-item"]
