"""whyrec BPR (and ALS) beside implicit's and cornac's on the same split, factors and epochs (binary input).

Datasets: ``synthetic-beauty`` (leave-last-out, sparse shop) and ml-100k (the default temporal split),
both read as binary interactions. Every model is fitted on train + valid and ranks the full train + valid
catalog for the test users (seen items excluded); ``--tune auto`` chooses on train -> valid first.
implicit and cornac score with the user factors they learned; whyrec folds each history in. The peers get
whyrec's default BPR factors, epochs, learning rate and regularization. Writes
docs/benchmarks/accuracy_bpr_als.md (rows appended per run).

cornac is not a dependency; its rows run where it imports, e.g. after
``pip install --target /tmp/cornac-site --no-deps cornac powerlaw``:

Run: PYTHONPATH=src:/tmp/cornac-site nice -n 10 .venv/bin/python benchmarks/peers_mf.py [--beauty-events 50000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from whyrec.data.loading import DataSource
from whyrec.evaluate import rank_split, score_ranking, split_dataset
from whyrec.evaluate.adaptive import choose_params
from whyrec.evaluate.evaluator import Ranking
from whyrec.evaluate.splits import Split, make_splitter
from whyrec.models import ALS, BPR, create_model
from whyrec.models.ranking import Recommendations

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "accuracy_bpr_als.md"


def factor_ndcg(user_factors: np.ndarray, item_factors: np.ndarray, parts: Split) -> float:
    """NDCG@10 of a peer scored by its own factors (rows in whyrec's user and item order; NaN rows: unknown)."""
    history, truth = parts.fit, parts.test
    users = truth.active_users
    seen = sp.csr_matrix(history.interactions)
    outside = np.ones(history.n_items, dtype=bool)
    outside[history.active_items] = False
    scores = np.nan_to_num(user_factors[users] @ item_factors.T, nan=-np.inf)
    scores[:, outside] = -np.inf
    scores[seen[users].nonzero()] = -np.inf
    top = np.argsort(-scores, axis=1)[:, :10].astype(np.int32)
    ranked = Recommendations(top, np.take_along_axis(scores, top, axis=1).astype(np.float32))
    relevant = tuple(np.unique(truth.sequence(int(u))) for u in users)
    ranking = Ranking(tuple(history.users.ids_of(users)), ranked, relevant, history, history.active_items)
    return score_ranking(ranking, ks=(10,))[1]["ndcg@10"]


def implicit_ndcg(model: Any, parts: Split) -> float:
    """NDCG@10 of an implicit model scored by the user factors it learned (its bias is a factor column)."""
    return factor_ndcg(np.asarray(model.user_factors), np.asarray(model.item_factors), parts)


def cornac_bpr_ndcg(x: sp.csr_matrix, parts: Split, *, factors: int, epochs: int, lr: float, reg: float) -> float:
    """cornac's BPR on the same binary matrix, scored by the user factors and item biases it learned."""
    import cornac

    users, items = x.nonzero()
    triples = [(str(u), str(i), 1.0) for u, i in zip(users.tolist(), items.tolist(), strict=True)]
    train = cornac.data.Dataset.from_uir(triples, seed=0)
    model = cornac.models.BPR(k=factors, max_iter=epochs, learning_rate=lr, lambda_reg=reg, num_threads=1, seed=0)
    model.fit(train)
    user_rows = np.full((x.shape[0], factors + 1), np.nan)
    item_rows = np.zeros((x.shape[1], factors + 1))
    for raw, inner in train.uid_map.items():
        user_rows[int(raw)] = np.append(model.u_factors[inner], 1.0)
    for raw, inner in train.iid_map.items():
        item_rows[int(raw)] = np.append(model.i_factors[inner], model.i_biases[inner])
    return factor_ndcg(user_rows, item_rows, parts)


def whyrec_ndcg(model: Any, parts: Split) -> float:
    return score_ranking(rank_split(model, parts, k=10), ks=(10,))[1]["ndcg@10"]


def tuned_bpr_ndcg(parts: Split) -> tuple[float, str]:
    """whyrec BPR as `whyrec train --tune auto` makes it: chosen on validation, refit on train + valid."""
    choice, _ = choose_params("bpr", parts, mode="auto")
    defaults = BPR().config.model_dump()
    changed = {k: v for k, v in choice.params.items() if defaults.get(k) != v and k != "seed"}
    changed = {k: round(v, 4) if isinstance(v, float) else v for k, v in changed.items()}
    return whyrec_ndcg(BPR(**choice.params).fit(parts.fit), parts), f"{choice.trials} trials, chose {changed}"


def run(name: str, parts: Split, factors: int | None, bpr_epochs: int | None, als: bool) -> list[str]:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    x = sp.csr_matrix(parts.fit.interactions, dtype=np.float32, copy=True)
    x.data[:] = 1.0
    rows: list[str] = []

    def row(label: str, fn: Any) -> None:
        started = time.perf_counter()
        value = fn()
        if isinstance(value, tuple):
            value, note = value
            label = f"{label} ({note})"
        rows.append(f"| {name} | {label} | {value:.4f} | {time.perf_counter() - started:.0f} |")
        print(rows[-1], flush=True)

    row("popularity", lambda: whyrec_ndcg(create_model("pop").fit(parts.fit), parts))
    defaults = BPR().config
    factors = factors or defaults.embedding_size
    epochs = bpr_epochs or defaults.epochs
    lr, reg = defaults.learning_rate, defaults.regularization
    same = {"embedding_size": factors, "epochs": epochs}
    setting = f"{factors} factors, {epochs} epochs, lr {lr}, reg {reg}"
    row(f"whyrec BPR defaults, --tune off ({setting}, negatives={defaults.negatives}, fold_in={defaults.fold_in})",
        lambda: whyrec_ndcg(BPR(**same, seed=0).fit(parts.fit), parts))
    row("whyrec BPR --tune auto", lambda: tuned_bpr_ndcg(parts))
    row("whyrec BPR negatives=uniform (else defaults)",
        lambda: whyrec_ndcg(BPR(negatives="uniform", **same, seed=0).fit(parts.fit), parts))
    row("whyrec BPR negatives=popularity, fold_in=least-squares (the old defaults' sampler and fold-in)",
        lambda: whyrec_ndcg(BPR(negatives="popularity", fold_in="least-squares", **same, seed=0).fit(parts.fit),
                            parts))

    def implicit_bpr() -> float:
        with threadpool_limits(1, "blas"):
            model = BayesianPersonalizedRanking(factors=factors, learning_rate=lr, regularization=reg,
                                                iterations=epochs, random_state=0, num_threads=1)
            model.fit(x, show_progress=False)
        return implicit_ndcg(model, parts)

    row(f"implicit BPR ({setting})", implicit_bpr)
    try:
        import cornac  # noqa: F401
    except ImportError:
        print("cornac is not importable: its row is left out (PYTHONPATH=/tmp/cornac-site, see the module docstring)")
    else:
        row(f"cornac BPR ({setting})",
            lambda: cornac_bpr_ndcg(x, parts, factors=factors, epochs=epochs, lr=lr, reg=reg))
    for als_reg, alpha in [(0.01, 1.0), (1.0, 10.0), (10.0, 0.5)] if als else []:
        def implicit_als(als_reg: float = als_reg, alpha: float = alpha) -> float:
            with threadpool_limits(1, "blas"):
                model = AlternatingLeastSquares(factors=64, regularization=als_reg, alpha=alpha,
                                                iterations=15, random_state=0)
                model.fit(x, show_progress=False)
            return implicit_ndcg(model, parts)

        row(f"implicit ALS (64 factors, reg {als_reg}, alpha {alpha}, 15 epochs)", implicit_als)
        row("whyrec ALS use_weights=False (same)", lambda als_reg=als_reg, alpha=alpha: whyrec_ndcg(
            ALS(embedding_size=64, regularization=als_reg, alpha=alpha, epochs=15, use_weights=False,
                seed=0).fit(parts.fit), parts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beauty-events", type=int, default=50_000)
    parser.add_argument("--factors", type=int, default=None, help="BPR factors (default: whyrec's default)")
    parser.add_argument("--bpr-epochs", type=int, default=None, help="BPR epochs (default: whyrec's default)")
    parser.add_argument("--datasets", default="synthetic-beauty,ml-100k")
    parser.add_argument("--als", action="store_true", help="also run the ALS rows")
    args = parser.parse_args()
    path = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    lines = [f"\nCommand: `{path}nice -n 10 .venv/bin/python benchmarks/peers_mf.py {' '.join(sys.argv[1:])}` "
             f"({time.strftime('%Y-%m-%d', time.gmtime())}, load average {os.getloadavg()[0]:.1f} at the start)", "",
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
        lines += run(label, parts, args.factors, args.bpr_epochs, args.als)
        with OUT.open("a") as out:
            out.write("\n".join(lines) + "\n")
        lines = ["", "| data | model | NDCG@10 | seconds |", "|---|---|---:|---:|"]


if __name__ == "__main__":
    main()
