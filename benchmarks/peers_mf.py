"""whyrec BPR/ALS beside implicit's BPR/ALS on the same split, factors and epochs (binary input).

Datasets: ``synthetic-beauty`` (leave-last-out, sparse shop) and ml-100k (the default temporal split),
both read as binary interactions. Every model is fitted on train + valid and ranks the full train + valid
catalog for the test users (seen items excluded). implicit scores with the user factors it learned;
whyrec folds each history in. Writes docs/benchmarks/accuracy_bpr_als.md (rows appended per run).

Run: nice -n 10 .venv/bin/python benchmarks/peers_mf.py [--beauty-events 50000] [--factors 64]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from whyrec.data.loading import DataSource
from whyrec.evaluate import rank_split, score_ranking, split_dataset
from whyrec.evaluate.evaluator import Ranking
from whyrec.evaluate.splits import Split, make_splitter
from whyrec.models import ALS, BPR, create_model
from whyrec.models.ranking import Recommendations

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "accuracy_bpr_als.md"


def implicit_ndcg(model: Any, parts: Split) -> float:
    """NDCG@10 of an implicit model scored by its own user factors, ranked as rank_split ranks."""
    history, truth = parts.fit, parts.test
    users = truth.active_users
    seen = sp.csr_matrix(history.interactions)
    outside = np.ones(history.n_items, dtype=bool)
    outside[history.active_items] = False
    scores = np.asarray(model.user_factors)[users] @ np.asarray(model.item_factors).T
    scores[:, outside] = -np.inf
    scores[seen[users].nonzero()] = -np.inf
    top = np.argsort(-scores, axis=1)[:, :10].astype(np.int32)
    ranked = Recommendations(top, np.take_along_axis(scores, top, axis=1).astype(np.float32))
    relevant = tuple(np.unique(truth.sequence(int(u))) for u in users)
    ranking = Ranking(tuple(history.users.ids_of(users)), ranked, relevant, history, history.active_items)
    return score_ranking(ranking, ks=(10,))[1]["ndcg@10"]


def whyrec_ndcg(model: Any, parts: Split) -> float:
    return score_ranking(rank_split(model, parts, k=10), ks=(10,))[1]["ndcg@10"]


def run(name: str, parts: Split, factors: int, bpr_epochs: int, als_settings: list[tuple[float, float]]) -> list[str]:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    x = sp.csr_matrix(parts.fit.interactions, dtype=np.float32, copy=True)
    x.data[:] = 1.0
    rows: list[str] = []

    def row(label: str, fn: Any) -> None:
        started = time.perf_counter()
        value = fn()
        rows.append(f"| {name} | {label} | {value:.4f} | {time.perf_counter() - started:.0f} |")
        print(rows[-1], flush=True)

    row("popularity", lambda: whyrec_ndcg(create_model("pop").fit(parts.fit), parts))
    lr, reg = 0.05, 0.001
    common = {"embedding_size": factors, "learning_rate": lr, "regularization": reg, "epochs": bpr_epochs, "seed": 0}

    def implicit_bpr() -> float:
        with threadpool_limits(1, "blas"):
            model = BayesianPersonalizedRanking(factors=factors, learning_rate=lr, regularization=reg,
                                                iterations=bpr_epochs, random_state=0, num_threads=1)
            model.fit(x, show_progress=False)
        return implicit_ndcg(model, parts)

    row(f"implicit BPR (lr {lr}, reg {reg}, {bpr_epochs} epochs)", implicit_bpr)
    row("whyrec BPR negatives=popularity fold_in=least-squares (same)",
        lambda: whyrec_ndcg(BPR(**common).fit(parts.fit), parts))
    row("whyrec BPR negatives=uniform fold_in=least-squares (same)",
        lambda: whyrec_ndcg(BPR(negatives="uniform", **common).fit(parts.fit), parts))
    row("whyrec BPR negatives=uniform fold_in=bpr (same)",
        lambda: whyrec_ndcg(BPR(negatives="uniform", fold_in="bpr", **common).fit(parts.fit), parts))
    for als_reg, alpha in als_settings:
        def implicit_als(als_reg: float = als_reg, alpha: float = alpha) -> float:
            with threadpool_limits(1, "blas"):
                model = AlternatingLeastSquares(factors=factors, regularization=als_reg, alpha=alpha,
                                                iterations=15, random_state=0)
                model.fit(x, show_progress=False)
            return implicit_ndcg(model, parts)

        row(f"implicit ALS (reg {als_reg}, alpha {alpha}, 15 epochs)", implicit_als)
        row("whyrec ALS use_weights=False (same)", lambda als_reg=als_reg, alpha=alpha: whyrec_ndcg(
            ALS(embedding_size=factors, regularization=als_reg, alpha=alpha, epochs=15, use_weights=False,
                seed=0).fit(parts.fit), parts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beauty-events", type=int, default=50_000)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--bpr-epochs", type=int, default=30)
    parser.add_argument("--datasets", default="synthetic-beauty,ml-100k")
    args = parser.parse_args()
    als_settings = [(0.01, 1.0), (1.0, 10.0), (10.0, 0.5)]
    lines = [f"\nCommand: `nice -n 10 .venv/bin/python benchmarks/peers_mf.py {' '.join(sys.argv[1:])}`", "",
             "| data | model | NDCG@10 | seconds |", "|---|---|---:|---:|"]
    for name in args.datasets.split(","):
        if name == "synthetic-beauty":
            dataset, _ = DataSource(source=name, synthetic_events=args.beauty_events, seed=0).load()
            parts = split_dataset(dataset, make_splitter("leave-last-out"))
            label = f"synthetic-beauty {args.beauty_events} events, leave-last-out"
        else:
            dataset, _ = DataSource(source=name).load()
            parts = split_dataset(dataset)
            label = f"{name} binary, {parts.protocol}"
        lines += run(label, parts, args.factors, args.bpr_epochs, als_settings)
        with OUT.open("a") as out:
            out.write("\n".join(lines) + "\n")
        lines = ["", "| data | model | NDCG@10 | seconds |", "|---|---|---:|---:|"]


if __name__ == "__main__":
    main()
