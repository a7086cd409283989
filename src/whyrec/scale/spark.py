"""ALS trained with Spark MLlib, exported into a whyrec run, and batch recommendations explained over user partitions.

- :func:`read_dataset` (`whyrec.scale.spark_io`): the events read, cleaned and indexed on Spark by whyrec's loading
  rules (column options, event weights, ``--time-unit``), into the dataset ``whyrec train`` builds from the file.
- :func:`train_als`: the run's data and split are made as ``whyrec train`` makes them; the factorisation is MLlib's
  ALS in implicit-preference mode, with whyrec's ALS hyperparameter names (`SPARK_PARAMS`). The item factors go into
  a normal run directory (``arrays.npz``: whyrec's ALS state), so ``whyrec recommend/explain/serve`` use it as is.
- :func:`recommend_all`: every user's top k on Spark, and with ``explain`` the exact ALS explanations
  (`whyrec.explain.pipeline.recommend_explained`, the code ``whyrec explain`` runs) computed per user partition
  with ``mapInPandas``, written to Parquet with the Explanation fields flattened (`EXPLANATION_SCHEMA`).
- :func:`evaluate` (`whyrec.scale.spark_eval`): PROTOCOL.md's full-ranking evaluation over user partitions.
- :func:`explain_all` (`whyrec.scale.spark_explain`): exact explanations of given pairs or users' top k.

Executors read the run directory itself, so on a cluster it must sit where every executor can read it
(docs/scale.md).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyspark.ml.recommendation import ALS as SparkALS
from pyspark.sql import DataFrame, SparkSession

from whyrec import progress
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError
from whyrec.evaluate import evaluate as evaluate_on_driver
from whyrec.evaluate import split_dataset
from whyrec.evaluate.splits import SplitProtocol, TemporalUserSplit
from whyrec.models.implicit_mf import ALS, ALSConfig
from whyrec.runs import Run, RunMeta, load_run, save_run
from whyrec.scale.spark_eval import evaluate
from whyrec.scale.spark_explain import EXPLANATION_SCHEMA, explain_all, explanation_rows, pair_rows, read_targets
from whyrec.scale.spark_io import is_split_folder, read_dataset, read_raw_events
from whyrec.scale.spark_partitions import arrow_ready, require_als, user_partitions, worker_run, write_parquet

__all__ = ["EXPLANATION_SCHEMA", "RECOMMENDATION_SCHEMA", "SPARK_PARAMS", "evaluate", "explain_all",
           "explanation_rows", "pair_rows", "read_dataset", "read_raw_events", "read_targets", "recommend_all",
           "running", "session", "spark_als", "train_als"]

#: whyrec's ALS hyperparameter -> the MLlib ALS parameter it sets.
SPARK_PARAMS: dict[str, str] = {"embedding_size": "rank", "regularization": "regParam", "alpha": "alpha",
                                "epochs": "maxIter", "seed": "seed"}

RECOMMENDATION_SCHEMA = "user_id string, rank int, item_id string, score double"


def session(master: str | None = None, app_name: str = "whyrec", **conf: str) -> SparkSession:
    """A SparkSession on `master` (any Spark master URL: ``local[*]``, ``spark://…``, ``yarn``, ``k8s://…``).

    None leaves the master to ``spark-submit --master`` (``local[*]`` under plain Python). Arrow carries the
    pandas batches; `conf` adds Spark settings (``spark.executor.memory="8g"``).
    """
    builder = (SparkSession.builder.appName(app_name)
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.showConsoleProgress", "false"))
    if master is not None:
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        # local Python workers run this interpreter (whyrec and its dependencies), not the first python3 on PATH;
        # PySpark reads the variable when the context starts
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


@contextlib.contextmanager
def running(master: str | None = None, **conf: str) -> Iterator[SparkSession]:
    """The active SparkSession (a notebook's, a test's), else a new one on `master` (`session`), stopped on exit."""
    active = SparkSession.getActiveSession()
    spark = active if active is not None else session(master, **conf)
    try:
        yield spark
    finally:
        if active is None:
            spark.stop()


def spark_als(config: ALSConfig) -> SparkALS:
    """MLlib's ALS in implicit-preference mode with `config`'s hyperparameters (`SPARK_PARAMS`).

    The names are whyrec's, the objectives differ slightly: MLlib weighs an observed item 1 + alpha * weight
    (implicit, whyrec's single-node ALS: alpha * weight) and scales the L2 penalty by each row's number of
    interactions (ALS-WR), so the same values do not give the factors of a single-node fit. Whatever the
    factors, recommendations and explanations of the exported run come from whyrec's ALS fold-in on them.
    """
    values = config.model_dump()
    params: dict[str, Any] = {spark: values[name] for name, spark in SPARK_PARAMS.items()}
    return SparkALS(implicitPrefs=True, userCol="user", itemCol="item", ratingCol="weight",
                    coldStartStrategy="drop", **params)


def train_als(spark: SparkSession, source: DataSource, out: str | Path, *, config: ALSConfig | None = None,
              split: SplitProtocol | None = None, evaluate_test: bool = True) -> Run:
    """Fit ALS on Spark and save it as a whyrec run directory.

    Args:
        spark: the session (`session`).
        source: the events (Parquet, CSV or JSON Lines: read and cleaned on Spark by `read_dataset`; or a
            built-in dataset) and how to clean them, as ``whyrec train`` reads them; the run stores them, so it
            is self-contained.
        out: the run directory to write.
        config: whyrec's ALS hyperparameters (default: `ALSConfig` defaults).
        split: the split protocol (default: PROTOCOL.md's temporal-user split), made by
            `whyrec.evaluate.split_dataset` as ``whyrec train`` makes it, so the run's stored split is the one
            ``whyrec evaluate`` and ``whyrec spark evaluate`` score.
        evaluate_test: evaluate on the test part (full ranking, on the driver) and store the metrics.

    Returns:
        the saved run, loaded back.
    """
    config = config or ALSConfig()
    if is_split_folder(source.source):
        raise ConfigError(f"{source.source} holds a split in files (train, valid, test); whyrec spark train splits "
                          "the events itself. Pass one events file, or train with `whyrec train --split-dir`.",
                          source=source.source, field="data")
    dataset, _ = read_dataset(spark, source)
    protocol = split or TemporalUserSplit()
    parts = split_dataset(dataset, protocol)
    fit = parts.fit
    coo = sp.coo_array(fit.interactions)
    weights = coo.data.astype(np.float64) if config.use_weights else np.ones(coo.nnz)
    frame = pd.DataFrame({"user": coo.row.astype(np.int32), "item": coo.col.astype(np.int32), "weight": weights})
    with progress.Stopwatch() as watch:
        fitted = spark_als(config).fit(spark.createDataFrame(frame))
        factors: pd.DataFrame = fitted.itemFactors.toPandas()
    item_factors = np.zeros((dataset.n_items, config.embedding_size), dtype=np.float32)
    if len(factors):
        item_factors[factors["id"].to_numpy()] = np.stack(factors["features"].to_numpy()).astype(np.float32)
    model = ALS.from_state(config, {"item_factors": item_factors}, dataset.n_items)
    meta = RunMeta(model=ALS.name, params=config.model_dump(), data=source, dataset_fingerprint=dataset.fingerprint,
                   n_items=dataset.n_items, split=protocol, protocol=parts.protocol, fitted_on="train+valid",
                   fit_seconds=round(watch.elapsed_s, 3), split_sizes=parts.sizes())
    per_user = None
    if evaluate_test:
        result = evaluate_on_driver(model, parts)
        meta.metrics, per_user = result.summary, result.per_user
    save_run(out, model, meta, split=parts, per_user=per_user)
    return load_run(out)


def _recommendation_rows(run: Run, user_ids: list[str], k: int) -> pd.DataFrame:
    fit = run.fit_data
    ranked = run.model.recommend(fit.histories(user_ids), k, candidates=fit.active_items)
    ids = np.asarray(fit.items.ids, dtype=object)
    frames = []
    for row, user in enumerate(user_ids):
        items = ranked.items[row]
        keep = items >= 0
        frames.append(pd.DataFrame({"user_id": user, "rank": np.arange(1, keep.sum() + 1, dtype=np.int32),
                                    "item_id": ids[items[keep]], "score": ranked.scores[row][keep].astype(float)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[c.split()[0] for c in RECOMMENDATION_SCHEMA.split(", ")])


def recommend_all(spark: SparkSession, run_dir: str | Path, out: str | Path, *, k: int = 10, explain: bool = True,
                  top_n: int | None = None, partitions: int | None = None,
                  users: list[str] | None = None) -> dict[str, Path]:
    """Top `k` for every user of the run (and their explanations) on Spark, written to Parquet under `out`.

    Args:
        spark: the session.
        run_dir: an ALS run (from `train_als` or ``whyrec train --model als``); every executor must read it.
        out: folder for ``recommendations/`` (`RECOMMENDATION_SCHEMA`) and, with `explain`, ``explanations/``
            (`EXPLANATION_SCHEMA`), each a Parquet dataset; replaced when they exist.
        k: list length.
        explain: also write the exact explanations (evidence with weights, counterfactual, reason).
        top_n: evidence entries per explanation (None: every history item, so the sum identity is checkable).
        partitions: user partitions (default: Spark's default parallelism).
        users: the users (default: every user with a train + valid history).

    Returns:
        the Parquet folders written, by name.
    """
    path = str(Path(run_dir).resolve())
    run = load_run(path)
    require_als(run, run_dir, "recommend")
    fit = run.fit_data
    ids = users if users is not None else [fit.users.ids[u] for u in fit.active_users]
    frame = user_partitions(spark, ids, partitions)
    out = Path(out)

    def recommend(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield arrow_ready(_recommendation_rows(worker_run(path), batch["user_id"].tolist(), k))

    def explained(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield arrow_ready(explanation_rows(worker_run(path), batch["user_id"].tolist(), k=k, top_n=top_n))

    jobs: list[tuple[str, DataFrame]] = [("recommendations", frame.mapInPandas(recommend, RECOMMENDATION_SCHEMA))]
    if explain:
        jobs.append(("explanations", frame.mapInPandas(explained, EXPLANATION_SCHEMA)))
    return {name: write_parquet(result, out / name) for name, result in jobs}
