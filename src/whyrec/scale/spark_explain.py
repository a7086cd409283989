"""Exact ALS explanations on Spark, over user partitions, as Parquet rows with the Explanation fields flattened.

- :func:`explanation_rows`: each user's top k explained as ``whyrec explain`` explains them
  (`whyrec.explain.pipeline.recommend_explained`).
- :func:`pair_rows`: given (user, item) pairs explained by `whyrec.explain.pipeline.explain_list`, the same
  path with the items given instead of recommended (each item keeps its rank in the user's full ranking).
- :func:`explain_all`: either of them on Spark (``whyrec spark explain``), one ``mapInPandas`` job.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from pyspark.sql import SparkSession

from whyrec.data.readers import read_table
from whyrec.data.schema import ITEM_ID, USER_ID
from whyrec.data.validation import require_columns
from whyrec.explain.explanation import ExplainMethod, Explanation
from whyrec.explain.pipeline import explain_list, recommend_explained
from whyrec.runs import Run, load_run
from whyrec.scale.spark_partitions import arrow_ready, require_als, user_partitions, worker_run, write_parquet

__all__ = ["EXPLANATION_SCHEMA", "explain_all", "explanation_rows", "pair_rows", "read_targets"]

#: One row per explained item: an `Explanation` with its evidence and counterfactual flattened into columns.
EXPLANATION_SCHEMA = (
    "user_id string, rank int, item_id string, score double, model string, method string, baseline double, "
    "complete boolean, evidence_kind array<string>, evidence_ref array<string>, evidence_label array<string>, "
    "evidence_weight array<double>, evidence_share array<double>, counterfactual_removed array<string>, "
    "counterfactual_new_rank int, counterfactual_verified string, reason string, fallback string")
_COLUMNS = [c.split()[0] for c in EXPLANATION_SCHEMA.split(", ")]


def explanation_rows(run: Run, user_ids: list[str], *, k: int = 10, top_n: int | None = None) -> pd.DataFrame:
    """`EXPLANATION_SCHEMA` rows of each user's top `k`, explained as ``whyrec explain`` explains them.

    Each user's history is their train + valid items; the candidates are the items seen in training.
    """
    fit = run.fit_data
    rows: list[dict[str, Any]] = []
    for user in user_ids:
        made = recommend_explained(run.model, fit.history(user), dataset=fit, k=k, candidates=fit.active_items,
                                   method=ExplainMethod.EXACT, top_n=top_n)
        rows.extend(_flat(user, e, made.fallback) for e in made.explanations)
    return pd.DataFrame(rows, columns=_COLUMNS)


def pair_rows(run: Run, pairs: pd.DataFrame, *, k: int = 10, top_n: int | None = None) -> pd.DataFrame:
    """`EXPLANATION_SCHEMA` rows of given (``user_id``, ``item_id``) pairs, in the order given per user.

    `k` is the list length a counterfactual takes the item out of.

    Raises:
        UnknownIdError: a user or an item is not in the run's fitted data.
    """
    fit = run.fit_data
    rows: list[dict[str, Any]] = []
    for user, group in pairs.groupby(USER_ID, sort=False):
        items = fit.items.indices_of(group[ITEM_ID].astype(str).tolist())
        made = explain_list(run.model, fit.history(str(user)), items, dataset=fit, method=ExplainMethod.EXACT,
                            candidates=fit.active_items, k=k, top_n=top_n)
        rows.extend(_flat(str(user), e, None) for e in made)
    return pd.DataFrame(rows, columns=_COLUMNS)


def _flat(user: str, e: Explanation, fallback: str | None) -> dict[str, Any]:
    cf = e.counterfactual
    return {"user_id": user, "rank": e.rank, "item_id": e.item_id, "score": e.score, "model": e.model,
            "method": str(e.method), "baseline": e.baseline, "complete": e.complete,
            "evidence_kind": [str(x.kind) for x in e.evidence], "evidence_ref": [x.ref for x in e.evidence],
            "evidence_label": [x.label for x in e.evidence], "evidence_weight": [x.weight for x in e.evidence],
            "evidence_share": [x.share for x in e.evidence],
            "counterfactual_removed": list(cf.removed) if cf else None,
            "counterfactual_new_rank": cf.new_rank if cf else None,
            "counterfactual_verified": cf.verified if cf else None,
            "reason": e.reason.text if e.reason else None, "fallback": fallback}


def read_targets(path: str | Path, run: Run) -> tuple[list[str], pd.DataFrame | None]:
    """Who to explain, from a file: its ``user_id`` column, and with an ``item_id`` column the pairs themselves.

    Returns:
        (users in file order, the pairs or None); every id is checked against the run's fitted data.

    Raises:
        DataFileError: the file cannot be read.
        SchemaError: it has no ``user_id`` column.
        UnknownIdError: a user or an item is not in the run.
    """
    table = read_table(path)
    require_columns(table, path, (USER_ID,), hint=f"List one user per row (and an {ITEM_ID} column to explain "
                                                  "given pairs instead of each user's top k).")
    table[USER_ID] = table[USER_ID].astype(str).str.strip()
    fit = run.fit_data
    fit.users.indices_of(table[USER_ID].tolist())
    users = list(dict.fromkeys(table[USER_ID].tolist()))
    if ITEM_ID not in table.columns:
        return users, None
    pairs = pd.DataFrame({USER_ID: table[USER_ID].astype(object),
                          ITEM_ID: table[ITEM_ID].astype(str).str.strip().astype(object)})
    fit.items.indices_of(pairs[ITEM_ID].tolist())
    return users, pairs


def explain_all(spark: SparkSession, run_dir: str | Path, out: str | Path, *, users: list[str] | None = None,
                pairs: pd.DataFrame | None = None, k: int = 10, top_n: int | None = None,
                partitions: int | None = None) -> Path:
    """Exact explanations on Spark, written as the Parquet dataset ``out/explanations`` (`EXPLANATION_SCHEMA`).

    Args:
        spark: the session.
        run_dir: an ALS run; every executor must read it.
        out: the folder of ``explanations/`` (replaced when it exists).
        users: whose top `k` to explain (default: every user with a train + valid history).
        pairs: (``user_id``, ``item_id``) pairs to explain instead of top-k lists (`read_targets`).
        k: list length (of the explained lists, or the one a pair's counterfactual takes the item out of).
        top_n: evidence entries per explanation (None: every history item, so the sum identity is checkable).
        partitions: user partitions (default: Spark's default parallelism).

    Returns:
        the Parquet folder written.
    """
    path = str(Path(run_dir).resolve())
    run = load_run(path)
    require_als(run, run_dir, "explain")
    n = partitions or spark.sparkContext.defaultParallelism
    if pairs is not None:
        # a user's pairs stay in one partition, so each history is scored once per batch
        given = spark.createDataFrame(pairs[[USER_ID, ITEM_ID]].astype(object), "user_id string, item_id string")

        def explained(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                yield arrow_ready(pair_rows(worker_run(path), batch, k=k, top_n=top_n))

        job = given.repartition(n, USER_ID).mapInPandas(explained, EXPLANATION_SCHEMA)
    else:
        fit = run.fit_data
        ids = users if users is not None else [fit.users.ids[u] for u in fit.active_users]

        def listed(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                yield arrow_ready(explanation_rows(worker_run(path), batch[USER_ID].tolist(), k=k, top_n=top_n))

        job = user_partitions(spark, ids, n).mapInPandas(listed, EXPLANATION_SCHEMA)
    return write_parquet(job, Path(out) / "explanations")
