"""The peer libraries' side of benchmarks/accuracy.py; runs in .venv-peers (``make peers``), never imports whyrec.

Reads one split folder (acc_data.py writes it: train/valid/test CSV files), and for each asked system tries
each setting of its grid (fit on train, NDCG@10 of the valid users' top-10 over the train catalog, train
items excluded), refits the best setting on train + valid and writes the test users' top-K lists (items of
train + valid excluded) to ``OUT/<system>.npz``, with the chosen setting's valid lists and a JSON record of
every trial. The main benchmark scores those lists with whyrec's evaluator; the NDCG here only chooses.

Run: .venv-peers/bin/python benchmarks/acc_peers.py SPLIT_DIR OUT_DIR --systems implicit-als,cornac-ease
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

K = 10
#: (family, grid); each grid lists at most 8 settings, the library's own defaults first.
GRIDS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "implicit-als": ("als", [dict(factors=f, regularization=r, alpha=a, iterations=15)
                             for f, r, a in [(100, 0.01, 1.0), (64, 0.01, 1.0), (128, 0.1, 1.0), (128, 1.0, 5.0),
                                             (128, 10.0, 0.5), (256, 1.0, 1.0), (64, 1.0, 10.0), (128, 0.1, 10.0)]]),
    "implicit-bpr": ("bpr", [dict(factors=f, learning_rate=lr, regularization=r, iterations=it)
                             for f, lr, r, it in [(100, 0.01, 0.01, 100), (64, 0.05, 0.001, 100),
                                                  (128, 0.05, 0.01, 100), (128, 0.01, 0.001, 200),
                                                  (64, 0.1, 0.01, 50), (128, 0.025, 0.001, 200),
                                                  (256, 0.05, 0.001, 100), (64, 0.01, 0.01, 200)]]),
    "cornac-bpr": ("bpr", [dict(k=k, max_iter=it, learning_rate=lr, lambda_reg=r)
                           for k, it, lr, r in [(10, 100, 0.001, 0.01), (50, 200, 0.01, 0.01), (100, 200, 0.01, 0.001),
                                                (100, 100, 0.05, 0.01), (200, 200, 0.01, 0.01), (50, 100, 0.05, 0.001),
                                                (100, 400, 0.005, 0.01), (200, 100, 0.02, 0.001)]]),
    "cornac-ease": ("ease", [dict(lamb=lam, posB=True) for lam in (500, 50, 100, 250, 1000, 2000, 4000, 8000)]),
    # cornac's ItemKNN predicts ratings (a similarity-weighted mean), and scores slowly in Python: 4 settings
    "cornac-itemknn": ("itemknn", [dict(k=k, similarity="cosine") for k in (20, 50, 200, 800)]),
    "cornac-vaecf": ("multvae", [dict(k=10, autoencoder_structure=[20], n_epochs=100, batch_size=100,
                                      learning_rate=0.001, beta=1.0),
                                 dict(k=200, autoencoder_structure=[600], n_epochs=100, batch_size=100,
                                      learning_rate=0.001, beta=0.2)]),
    # implicit feedback first: a grid cut by --max-trials keeps the settings that suit interaction data
    # (explicit feedback centres the weights, and on one weight per pair every score is zero)
    "lenskit-itemknn": ("itemknn", [dict(max_nbrs=k, feedback=f) for f in ("implicit", "explicit")
                                    for k in (20, 50, 200, 800)]),
    "lenskit-als": ("als", [dict(embedding_size=f, regularization=r, weight=w, epochs=e)
                            for f, r, w, e in [(50, 0.1, 40.0, 10), (64, 0.1, 1.0, 15), (128, 1.0, 5.0, 15),
                                               (128, 10.0, 1.0, 15), (256, 1.0, 1.0, 15), (128, 0.1, 10.0, 15),
                                               (128, 1.0, 40.0, 15), (64, 10.0, 5.0, 15)]]),
    "lenskit-ease": ("ease", [dict(regularization=lam) for lam in (1.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0,
                                                                    4000.0)]),
    # cornac's next-item models read each user's events in time order (one session per user), as whyrec's
    # SASRec and GRU4Rec do; a fit is minutes on two cores, so 4 settings (its defaults first)
    "cornac-sasrec": ("sasrec", [dict(n_epochs=10), dict(n_epochs=30), dict(n_epochs=30, embedding_dim=64, dropout=0.5),
                                 dict(n_epochs=50, learning_rate=0.002)]),
    "cornac-gru4rec": ("gru4rec", [dict(n_epochs=10), dict(n_epochs=30), dict(n_epochs=30, layers=[200]),
                                   dict(n_epochs=30, learning_rate=0.02, dropout_p_hidden=0.2)]),
}
#: the peers that read event order rather than (user, item) pairs
SEQUENTIAL = ("cornac-sasrec", "cornac-gru4rec")


class Part:
    """One history (train, or train + valid): its interaction matrix over the train catalog, and id maps."""

    def __init__(self, frame: pd.DataFrame, users: pd.Index, items: pd.Index) -> None:
        pairs = frame.groupby(["user_id", "item_id"], sort=False, observed=True)["weight"].sum().reset_index()
        self.frame = pairs
        #: every event, each user's in time order (ties keep the files' order)
        self.events = frame.sort_values(["user_id", "timestamp"], kind="stable")[["user_id", "item_id", "timestamp"]]
        self.users, self.items = users, items
        rows, cols = users.get_indexer(pairs["user_id"]), items.get_indexer(pairs["item_id"])
        self.matrix = sp.csr_matrix((pairs["weight"].to_numpy(np.float32), (rows, cols)),
                                    shape=(len(users), len(items)))


def ndcg(top: np.ndarray, truth: list[set[int]]) -> float:
    """Mean NDCG@K, binary relevance (the definition of whyrec's metrics; used here only to choose)."""
    discount = 1.0 / np.log2(np.arange(2, K + 2))
    total = 0.0
    for row, relevant in zip(top, truth, strict=True):
        gains = np.array([1.0 if i in relevant else 0.0 for i in row[:K]])
        total += float(gains @ discount[:len(gains)]) / float(discount[:min(len(relevant), K)].sum())
    return total / len(truth)


def top_k(scores: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
    """Indices of the K best-scored items per row, the row's seen items excluded."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    scores[seen.nonzero()] = -np.inf
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def fit_rank(system: str, params: dict[str, Any], part: Part, users: np.ndarray, seed: int,
             fitted: dict[str, Any] | None = None) -> np.ndarray:
    """Fit `system` with `params` on `part` and return the (len(users), K) top item indices of `users`.

    A next-item peer keeps its fitted model in `fitted` (key ``model``) and, given one there, ranks `part`'s
    sequences with it instead of fitting (one stage, as whyrec's sequence models run in this benchmark).
    """
    seen = part.matrix[users]
    if system in SEQUENTIAL:
        return _cornac_next_item(system, params, part, users, seed, seen, {} if fitted is None else fitted)
    if system.startswith("implicit-"):
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        cls = AlternatingLeastSquares if system == "implicit-als" else BayesianPersonalizedRanking
        model = cls(**params, random_state=seed, num_threads=1)
        model.fit(part.matrix.tocsr(), show_progress=False)
        ids, _ = model.recommend(users, part.matrix[users], N=K, filter_already_liked_items=True)
        return np.asarray(ids)
    if system.startswith("cornac-"):
        return _cornac(system, params, part, users, seed, seen)
    return _lenskit(system, params, part, users, seen)


def _cornac(system: str, params: dict[str, Any], part: Part, users: np.ndarray, seed: int,
            seen: sp.csr_matrix) -> np.ndarray:
    import cornac

    triples = list(zip(part.frame["user_id"].astype(str), part.frame["item_id"].astype(str),
                       part.frame["weight"].astype(float), strict=True))
    data = cornac.data.Dataset.from_uir(triples, seed=seed)
    cls = {"cornac-bpr": cornac.models.BPR, "cornac-ease": cornac.models.EASE,
           "cornac-itemknn": cornac.models.ItemKNN, "cornac-vaecf": cornac.models.VAECF}[system]
    extra: dict[str, Any] = {"verbose": False, "seed": seed}
    if system in ("cornac-itemknn", "cornac-bpr"):
        extra["num_threads"] = 1
    model = cls(**params, **extra)
    model.fit(data)
    # cornac's own indices -> the part's item order
    to_part = part.items.get_indexer([data.item_ids[i] for i in range(data.num_items)])
    user_codes = [data.uid_map[str(u)] for u in part.users[users]]
    scores = np.full((len(users), len(part.items)), -np.inf)
    for row, code in enumerate(user_codes):
        scores[row, to_part] = model.score(code)
    return top_k(scores, seen)


def _cornac_next_item(system: str, params: dict[str, Any], part: Part, users: np.ndarray, seed: int,
                      seen: sp.csr_matrix, fitted: dict[str, Any]) -> np.ndarray:
    """cornac's SASRec or GRU4Rec on each user's event sequence; a user's list continues their sequence.
    Fits on `part` unless `fitted` holds a model (and its dataset) already; keeps them there."""
    import cornac

    events = part.events
    if "model" not in fitted:
        data = cornac.data.SequentialDataset.build(
            list(zip(events["user_id"].astype(str), events["user_id"].astype(str), events["item_id"].astype(str),
                     events["timestamp"].astype(np.int64), strict=True)), fmt="USIT", seed=seed)
        cls = cornac.models.SASRec if system == "cornac-sasrec" else cornac.models.GRU4Rec
        if system == "cornac-gru4rec":  # session-parallel batches, one session each: no more than there are
            params = {**params, "batch_size": min(params.get("batch_size", 512), data.num_sessions)}
        fitted["model"], fitted["data"] = cls(**params, seed=seed, verbose=False).fit(data), data
    model, data = fitted["model"], fitted["data"]
    to_part = part.items.get_indexer([data.item_ids[i] for i in range(data.num_items)])
    sequences = events.groupby("user_id", sort=False)["item_id"].agg(list)
    scores = np.full((len(users), len(part.items)), -np.inf)
    for row, user in enumerate(part.users[users]):
        history = [data.iid_map[str(i)] for i in sequences[user]]
        scores[row, to_part] = np.asarray(model.score(data.uid_map[str(user)], history), dtype=np.float64)
    return top_k(scores, seen)


def _lenskit(system: str, params: dict[str, Any], part: Part, users: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
    """lenskit's own top-N pipeline (its candidate selector leaves out each user's training items)."""
    from lenskit import batch
    from lenskit.data import from_interactions_df
    from lenskit.pipeline import topn_pipeline

    if system == "lenskit-itemknn":
        from lenskit.knn import ItemKNNScorer as Scorer
    elif system == "lenskit-als":
        from lenskit.als import ImplicitMFScorer as Scorer
    else:
        from lenskit.knn import EASEScorer as Scorer
    frame = part.frame.rename(columns={"weight": "rating"})
    dataset = from_interactions_df(frame, user_col="user_id", item_col="item_id", rating_col="rating")
    pipe = topn_pipeline(Scorer(**params), n=K)
    pipe.train(dataset)
    recs = batch.recommend(pipe, list(part.users[users]), n=K, n_jobs=1)
    top = np.full((len(users), K), -1, dtype=np.int64)
    row_of = {user: row for row, user in enumerate(part.users[users])}
    for key, items in recs:
        codes = part.items.get_indexer(items.ids())
        top[row_of[key.user_id], :len(codes)] = codes
    return top


def run(system: str, folder: Path, out: Path, seed: int, max_trials: int = 8,
        one_stage_sequences: bool = True) -> dict[str, Any]:
    """Tune `system` on valid (the first `max_trials` settings of its grid), refit on train + valid, write its
    lists; returns the record of the run."""
    parts = {name: pd.read_csv(folder / f"{name}.csv", dtype={"user_id": str, "item_id": str}) for name in
             ("train", "valid", "test")}
    users = pd.Index(parts["train"]["user_id"].unique())
    items = pd.Index(parts["train"]["item_id"].unique())
    train = Part(parts["train"], users, items)
    fit = Part(pd.concat([parts["train"], parts["valid"]]), users, items)

    def truth(frame: pd.DataFrame) -> tuple[np.ndarray, list[set[int]]]:
        codes = users.get_indexer(frame["user_id"])
        order = np.unique(codes)
        groups = pd.Series(items.get_indexer(frame["item_id"])).groupby(codes).agg(set)
        return order, [groups[u] for u in order]

    valid_users, valid_truth = truth(parts["valid"])
    test_users, _ = truth(parts["test"])
    family, grid = GRIDS[system]
    load_before = round(os.getloadavg()[0], 1)
    trials = []
    best: tuple[float, dict[str, Any], np.ndarray] | None = None
    started = time.perf_counter()
    best_fitted: dict[str, Any] = {}
    for params in grid[:max_trials]:
        t0 = time.perf_counter()
        fitted: dict[str, Any] = {}
        top = fit_rank(system, params, train, valid_users, seed, fitted)
        value = ndcg(top, valid_truth)
        trials.append({"params": params, "valid_ndcg@10": value, "seconds": round(time.perf_counter() - t0, 2)})
        print(f"{system} {params}: valid NDCG@10 {value:.4f} ({trials[-1]['seconds']:.1f} s)", flush=True)
        if best is None or value > best[0]:
            best, best_fitted = (value, params, top), fitted
    assert best is not None
    tune_s = time.perf_counter() - started
    t0 = time.perf_counter()
    # next-item peers: one stage (the model fitted on train ranks the test users from their train + valid
    # sequences), as whyrec's SASRec and GRU4Rec run here; the others are refit on train + valid
    one_stage = system in SEQUENTIAL and one_stage_sequences
    top = fit_rank(system, best[1], fit, test_users, seed, best_fitted if one_stage else None)
    final_s = time.perf_counter() - t0
    # an empty slot (a list shorter than K) is -1 here and '' in the file
    user_ids, item_ids = np.asarray(users, dtype=str), np.append(np.asarray(items, dtype=str), "")
    np.savez_compressed(out / f"{system}.npz", test_users=user_ids[test_users], test_items=item_ids[top],
                        valid_users=user_ids[valid_users], valid_items=item_ids[best[2]])
    record = {"system": system, "family": family, "params": best[1], "valid_ndcg@10_own": best[0],
              "trials": trials, "tune_s": round(tune_s, 1), "fit_s": round(final_s, 1),
              "load": [load_before, round(os.getloadavg()[0], 1)], "one_stage": one_stage,
              "versions": _versions(system)}
    (out / f"{system}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _versions(system: str) -> str:
    from importlib.metadata import version

    return f"{system.split('-')[0]} {version(system.split('-')[0])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("split_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--systems", default=",".join(GRIDS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-trials", type=int, default=8, help="try only the first N settings of each grid")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    import torch

    torch.set_num_threads(1)  # as whyrec's benchmark runs its own torch models
    for system in args.systems.split(","):
        try:
            run(system, args.split_dir, args.out_dir, args.seed, args.max_trials)
        except Exception as error:  # one peer failing must not lose the others; the main side reports it
            print(f"{system} FAILED: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            (args.out_dir / f"{system}.failed").write_text(f"{type(error).__name__}: {error}\n")
            failed.append(system)
    sys.exit(1 if failed and len(failed) == len(args.systems.split(",")) else 0)


if __name__ == "__main__":
    main()
