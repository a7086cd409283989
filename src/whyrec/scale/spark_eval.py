"""The project's protocol (PROTOCOL.md: full ranking on the run's stored split) distributed over user partitions.

Each partition ranks its users with `whyrec.evaluate.rank_split` and scores them with
`whyrec.evaluate.evaluator.user_metrics`, the code ``whyrec evaluate`` runs; the driver puts the users back in
the single-node order, averages the per-user metrics and measures coverage, popularity, novelty and diversity
over all the lists (`list_measures`), so the result equals ``whyrec evaluate`` on the same run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.types import ArrayType, DoubleType, IntegerType, StringType, StructField, StructType

from whyrec import progress
from whyrec.errors import ConfigError
from whyrec.evaluate.evaluator import EvaluationResult, list_measures, rank_split, summarize, user_metrics
from whyrec.evaluate.metrics import DEFAULT_METRICS
from whyrec.runs import load_run
from whyrec.scale.spark_partitions import arrow_ready, user_partitions, worker_run

__all__ = ["evaluate"]


def evaluate(spark: SparkSession, run_dir: str | Path, *, ks: Sequence[int] = (10, 20),
             partitions: int | None = None, diversity_attribute: str | None = "category") -> EvaluationResult:
    """Evaluate a run on its stored split's test part on Spark, as ``whyrec evaluate`` does on one machine.

    Args:
        spark: the session.
        run_dir: any run directory (every executor must read it).
        ks: list lengths.
        partitions: user partitions (default: Spark's default parallelism).
        diversity_attribute: the catalog attribute of intra-list diversity.

    Returns:
        per-user metrics (in the order ``whyrec evaluate`` gives) and their summary.

    Raises:
        ConfigError: a list length below 1, or `run_dir` is not a run.
    """
    ks = sorted(set(ks))
    if not ks or ks[0] < 1:
        raise ConfigError(f"list lengths must be at least 1. Got {list(ks)} instead.", field="k")
    path = str(Path(run_dir).resolve())
    run = load_run(path)
    split = run.split
    truth = split.test
    order = [truth.users.ids[int(u)] for u in truth.active_users]
    k = max(ks)
    names = [f"{m.name}@{kk}" for kk in ks for m in DEFAULT_METRICS]
    schema = StructType([StructField("user_id", StringType()), StructField("items", ArrayType(IntegerType())),
                         *(StructField(name, DoubleType()) for name in names)])

    def scored(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if not len(batch):
                continue
            worker = worker_run(path)
            ranking = rank_split(worker.model, worker.split, k=k, users=batch["user_id"].tolist())
            frame = user_metrics(ranking, ks=ks).reset_index()
            frame.insert(1, "items", list(ranking.recommendations.items.astype(np.int32)))
            yield arrow_ready(frame)

    with progress.Stopwatch() as watch:
        collected: pd.DataFrame = user_partitions(spark, order, partitions).mapInPandas(scored, schema).toPandas()
        rows = collected.set_index("user_id").loc[order]
        per_user = rows[names]
        ranked = np.stack(rows["items"].to_numpy()) if len(rows) else np.zeros((0, k), dtype=np.int32)
        summary = summarize(per_user)
        summary.update(list_measures(ranked, split.fit, len(split.fit.active_items), ks=ks,
                                     diversity_attribute=diversity_attribute))
    return EvaluationResult(per_user, summary, run.meta.model, split.protocol, "test", watch.elapsed_s)
