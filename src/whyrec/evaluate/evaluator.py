"""Full-ranking evaluation: every catalog item is a candidate, each user's own fit items are excluded."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from whyrec import progress
from whyrec._threads import one_blas_thread
from whyrec.data.dataset import Dataset
from whyrec.evaluate.beyond import average_popularity, catalog_coverage, intra_list_diversity, novelty
from whyrec.evaluate.metrics import DEFAULT_METRICS, Metric, hit_matrix
from whyrec.evaluate.splits import Split
from whyrec.models.base import Recommender
from whyrec.models.ranking import Recommendations
from whyrec.retrieval.config import Retrieval
from whyrec.retrieval.retriever import Retrieved, Retriever

__all__ = ["EvaluationResult", "Ranking", "Target", "evaluate", "list_measures", "rank_split", "score_ranking",
           "summarize", "user_metrics"]

logger = logging.getLogger(__name__)

Target = Literal["test", "validation"]
_BATCH = 256
"""Users ranked per call: a (users x items) score block stays small enough to be cache-friendly."""
_WORKERS = 2
"""Threads ranking batches at once (at most the CPU count)."""


@dataclass(frozen=True)
class Ranking:
    """Top-K lists for the users of one evaluation target.

    Attributes:
        user_ids: the users, in order.
        recommendations: their lists (item indices, -1 for empty slots) and scores.
        relevant: per user, the target items (indices), including items outside the catalog.
        history: the data the lists were made from (train + valid for test, train for validation).
        catalog: candidate item indices (the items of `history`).
        approximate_lists: how many lists came from an approximate index (`whyrec.retrieval`); 0: all exact.
    """

    user_ids: tuple[str, ...]
    recommendations: Recommendations
    relevant: tuple[np.ndarray, ...]
    history: Dataset
    catalog: np.ndarray
    approximate_lists: int = 0

    @property
    def retrieval(self) -> Retrieval:
        """``approximate`` when any list came from an index, else ``exact``."""
        return "approximate" if self.approximate_lists else "exact"

    def to_frame(self) -> pd.DataFrame:
        """``user_id,item_id,rank,score`` rows, rank 1 = best, empty slots left out."""
        items = self.recommendations.items
        k = items.shape[1]
        user = np.repeat(np.asarray(self.user_ids, dtype=object), k)
        rank = np.tile(np.arange(1, k + 1), len(self.user_ids))
        flat = items.ravel()
        keep = flat >= 0
        ids = np.asarray(self.history.items.ids, dtype=object)
        return pd.DataFrame({"user_id": user[keep], "item_id": ids[flat[keep]], "rank": rank[keep],
                             "score": self.recommendations.scores.ravel()[keep].astype(np.float64)})


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics of one model on one split target.

    Attributes:
        per_user: index ``user_id``; one column per ``metric@k`` (input of paired comparisons).
        summary: mean of each per-user column, plus ``coverage@k``, ``avgpop@k``, ``novelty@k`` and
            ``diversity@k`` over the whole run.
        model: the model's registry name.
        protocol: the split protocol.
        target: which part was scored.
        elapsed_s: seconds spent ranking and scoring.
    """

    per_user: pd.DataFrame
    summary: dict[str, float]
    model: str
    protocol: str
    target: str
    elapsed_s: float
    extra: dict[str, object] = field(default_factory=dict)


def rank_split(model: Recommender, split: Split, *, k: int, target: Target = "test",
               users: Sequence[str] | None = None, retriever: Retriever | None = None) -> Ranking:
    """Rank the full catalog for every user with items in `target`, excluding their own history items.

    Args:
        model: a fitted model (on train + valid for ``test``, on train for ``validation``).
        split: the split.
        k: list length.
        target: which part holds the truth.
        users: restrict to these users (default: every user with a target item).
        retriever: find the lists in an item index instead (approximate; the protocol's ranking is exact).
    """
    history = split.fit if target == "test" else split.train
    truth = split.test if target == "test" else split.validation
    user_index = truth.active_users if users is None else truth.users.indices_of(list(users))
    catalog = history.active_items
    items_out = np.full((len(user_index), k), -1, dtype=np.int32)
    scores_out = np.full((len(user_index), k), -np.inf, dtype=np.float32)
    approximate = np.zeros(len(user_index), dtype=bool)
    ranker: Recommender | Retriever = model if retriever is None else retriever

    def rank(lo: int) -> int:
        batch = history.histories_of(user_index[lo:lo + _BATCH])
        recs = ranker.recommend(batch, k, exclude_seen=True, candidates=catalog)
        items_out[lo:lo + len(batch)] = recs.items
        scores_out[lo:lo + len(batch)] = recs.scores
        if isinstance(recs, Retrieved):
            approximate[lo:lo + len(batch)] = recs.approximate
        return len(batch)

    starts = range(0, len(user_index), _BATCH)
    with progress.task(f"Ranking {len(user_index):,} users", total=len(user_index)) as bar:
        if len(starts):
            bar.advance(rank(starts[0]))  # alone: models build their caches on the first call
        workers = min(_WORKERS, os.cpu_count() or 1, len(starts) - 1)
        if workers > 1:
            # batches in parallel, one BLAS thread each (numpy releases the GIL in its array work)
            with one_blas_thread(), ThreadPoolExecutor(workers) as pool:
                for done in pool.map(rank, starts[1:]):
                    bar.advance(done)
        else:
            for lo in starts[1:]:
                bar.advance(rank(lo))
    relevant = tuple(np.unique(truth.sequence(int(u))) for u in user_index)
    return Ranking(tuple(history.users.ids_of(user_index)), Recommendations(items_out, scores_out), relevant,
                   history, catalog, int(approximate.sum()))


def user_metrics(ranking: Ranking, *, ks: Sequence[int] = (10, 20),
                 metrics: Sequence[Metric] = DEFAULT_METRICS) -> pd.DataFrame:
    """Per-user metrics of a ranking: index ``user_id``, one column per ``metric@k``."""
    hits = hit_matrix(ranking.recommendations.items, ranking.relevant)
    n_relevant = np.array([len(r) for r in ranking.relevant])
    columns = {f"{metric.name}@{k}": metric.fn(hits, n_relevant, k) for k in ks for metric in metrics}
    return pd.DataFrame(columns, index=pd.Index(ranking.user_ids, name="user_id"))


def list_measures(ranked: np.ndarray, history: Dataset, n_catalog: int, *, ks: Sequence[int] = (10, 20),
                  diversity_attribute: str | None = "category") -> dict[str, float]:
    """Run-level measures of all the lists: ``coverage@k``, ``avgpop@k``, ``novelty@k`` and ``diversity@k``.

    Args:
        ranked: (n_users, K) item indices, best first (-1 = empty slot).
        history: the data the lists were made from (its popularity and catalog attributes).
        n_catalog: the number of candidate items.
        ks: list lengths.
        diversity_attribute: the catalog attribute of intra-list diversity (skipped when the catalog lacks it).
    """
    summary: dict[str, float] = {}
    popularity = history.item_user_counts
    attrs = history.catalog.attributes
    for k in ks:
        summary[f"coverage@{k}"] = catalog_coverage(ranked, n_catalog, k)
        summary[f"avgpop@{k}"] = average_popularity(ranked, popularity, k)
        summary[f"novelty@{k}"] = novelty(ranked, popularity, len(history.active_users), k)
        if diversity_attribute and diversity_attribute in attrs.categorical:
            per_list = intra_list_diversity(ranked, attrs, diversity_attribute, k)
            summary[f"diversity@{k}"] = float(np.nanmean(per_list)) if np.isfinite(per_list).any() else 0.0
    return summary


def summarize(per_user: pd.DataFrame) -> dict[str, float]:
    """The mean of each per-user metric column (0 for no users)."""
    return {str(name): float(values.mean()) if len(values) else 0.0 for name, values in per_user.items()}


def score_ranking(ranking: Ranking, *, ks: Sequence[int] = (10, 20), metrics: Sequence[Metric] = DEFAULT_METRICS,
                  diversity_attribute: str | None = "category") -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-user metrics and run-level measures of a ranking (see :class:`EvaluationResult`)."""
    per_user = user_metrics(ranking, ks=ks, metrics=metrics)
    summary = summarize(per_user)
    summary.update(list_measures(ranking.recommendations.items, ranking.history, len(ranking.catalog), ks=ks,
                                 diversity_attribute=diversity_attribute))
    return per_user, summary


def evaluate(model: Recommender, split: Split, *, ks: Sequence[int] = (10, 20), target: Target = "test",
             metrics: Sequence[Metric] = DEFAULT_METRICS, diversity_attribute: str | None = "category",
             users: Sequence[str] | None = None) -> EvaluationResult:
    """Evaluate a fitted model on `split` with full ranking (PROTOCOL.md).

    `users` restricts the evaluation to these users (default: every user with a target item).

    Example:
        >>> split = split_dataset(load_dataset("ml-100k")[0])          # doctest: +SKIP
        >>> model = EASE().fit(split.fit)                               # doctest: +SKIP
        >>> evaluate(model, split).summary["ndcg@10"]                   # doctest: +SKIP
        0.1960...
    """
    with progress.Stopwatch() as watch:
        ranking = rank_split(model, split, k=max(ks), target=target, users=users)
        per_user, summary = score_ranking(ranking, ks=ks, metrics=metrics, diversity_attribute=diversity_attribute)
    logger.info("evaluated %s on %s (%s): ndcg@%d=%.4f in %.1f s", model.name, target, split.protocol, ks[0],
                summary.get(f"ndcg@{ks[0]}", float("nan")), watch.elapsed_s)
    return EvaluationResult(per_user, summary, model.name, split.protocol, target, watch.elapsed_s)
