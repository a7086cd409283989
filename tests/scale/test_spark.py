"""Spark in local mode: ALS trained by MLlib exports into a whyrec run, and the explanations computed on Spark
equal the single-node ones for the same factors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.data.loading import DataSource
from whyrec.evaluate.splits import PROTOCOL_NAME, split_dataset
from whyrec.explain.explanation import ExplainMethod
from whyrec.explain.pipeline import recommend_explained
from whyrec.models.implicit_mf import ALS
from whyrec.run_data import split_fingerprint
from whyrec.runs import Run, load_run

# a JVM and a Spark-trained run per worker: long, so parallel runs start these files first
pytestmark = pytest.mark.slow

runner = CliRunner()


def test_the_exported_run_loads_and_recommends_with_whyrec(spark_run: Run, events_file: Path) -> None:
    run = load_run(spark_run.path)
    assert isinstance(run.model, ALS)
    # read on Spark, the data and its split are those `whyrec train` makes of the file
    dataset, _ = DataSource(source=str(events_file)).load()
    assert run.meta.dataset_fingerprint == dataset.fingerprint
    assert run.split_id == split_fingerprint(split_dataset(dataset)) and run.meta.protocol == PROTOCOL_NAME
    assert run.meta.params["embedding_size"] == 8 and run.meta.metrics  # evaluated with the project's protocol
    factors = run.model.item_factors_
    fit = run.fit_data
    assert factors.shape == (fit.n_items, 8)
    assert np.abs(factors[fit.active_items]).sum(axis=1).min() > 0  # every trained item got MLlib's factors
    user = fit.users.ids[int(fit.active_users[0])]
    result = runner.invoke(app, ["recommend", str(run.path), "--user", user, "--k", "5", "--json"])
    assert result.exit_code == 0, result.output
    listed = [row["item_id"] for row in json.loads(result.stdout)]
    best = run.model.recommend(fit.histories([user]), 5, candidates=fit.active_items).items[0]
    assert listed == [fit.items.ids[int(i)] for i in best]


def test_spark_explanations_equal_single_node_ones(spark, spark_run: Run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from whyrec.scale.spark import recommend_all

    fit = spark_run.fit_data
    users = [fit.users.ids[int(u)] for u in fit.active_users[:12]]
    written = recommend_all(spark, spark_run.path, tmp_path, k=5, users=users, partitions=3)
    spark_rows = pd.read_parquet(written["explanations"]).sort_values(["user_id", "rank"])
    recs = pd.read_parquet(written["recommendations"]).sort_values(["user_id", "rank"])
    assert set(spark_rows["user_id"]) == set(users)
    for user in users:
        made = recommend_explained(spark_run.model, fit.history(user), dataset=fit, k=5, candidates=fit.active_items,
                                   method=ExplainMethod.EXACT, top_n=None)
        mine = spark_rows[spark_rows["user_id"] == user]
        assert list(mine["item_id"]) == [e.item_id for e in made.explanations]
        assert list(recs[recs["user_id"] == user]["item_id"]) == [e.item_id for e in made.explanations]
        for (_, row), e in zip(mine.iterrows(), made.explanations, strict=True):
            assert row["method"] == "exact" and row["complete"]
            np.testing.assert_allclose(row["score"], e.score, atol=1e-5)
            np.testing.assert_allclose(row["baseline"], e.baseline, atol=1e-5)
            assert list(row["evidence_ref"]) == [x.ref for x in e.evidence]
            np.testing.assert_allclose(row["evidence_weight"], [x.weight for x in e.evidence], atol=1e-5)
            # the sum identity holds in the flattened rows: every contribution is there
            np.testing.assert_allclose(row["baseline"] + sum(row["evidence_weight"]), row["score"], atol=1e-4)
            removed = list(row["counterfactual_removed"]) if row["counterfactual_removed"] is not None else None
            assert removed == (list(e.counterfactual.removed) if e.counterfactual else None)


def test_cli_trains_and_recommends_on_spark(spark, events_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_dir = tmp_path / "run"
    trained = runner.invoke(app, ["spark", "train", "--data", str(events_file), "--master", "local[2]",
                                  "--out", str(run_dir), "--param", "embedding_size=4", "--param", "epochs=2",
                                  "--split", "leave-last-out", "--no-evaluate"])
    assert trained.exit_code == 0, trained.output
    assert load_run(run_dir).meta.params["embedding_size"] == 4
    assert load_run(run_dir).split.protocol == "leave-last-one-out"
    made = runner.invoke(app, ["spark", "recommend", str(run_dir), "--out", str(tmp_path / "out"), "--k", "3",
                               "--no-explain", "--json"])
    assert made.exit_code == 0, made.output
    recs = pd.read_parquet(tmp_path / "out" / "recommendations")
    assert recs.groupby("user_id")["rank"].max().max() == 3
    assert len(recs["user_id"].unique()) == len(load_run(run_dir).fit_data.active_users)
    assert not (tmp_path / "out" / "explanations").exists()
