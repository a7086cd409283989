"""Accuracy of whyrec's models beside the peer libraries, on several shapes of data, with one evaluator.

Each dataset of acc_data.DATASETS is split once and written to files (runs/accbench/splits/NAME); every system
reads those files. whyrec's models read them as ``whyrec train --split-dir`` does and choose their
hyperparameters as ``whyrec train`` does (``--tune auto``: at most 8 trials on valid); the peers (implicit,
cornac, lenskit) run in their own venv (``make peers``, benchmarks/acc_peers.py) with a grid of at most 8
settings each on the same valid part, refit on train + valid, and hand back their test top-10 lists. All
lists are scored here by whyrec's ``score_ranking``: full train + valid catalog, seen items excluded.
Results are merged into docs/benchmarks/accuracy.json (one row per dataset and system), and
docs/benchmarks/accuracy.md is rendered from it (acc_render.py).

Run: nice -n 10 .venv/bin/python benchmarks/accuracy.py --datasets ml-100k [--whyrec als,ease] [--peers all|none|...]
     .venv/bin/python benchmarks/accuracy.py --render
     .venv/bin/python benchmarks/accuracy.py --all-models [--whyrec bpr]   (every (or each named) whyrec model on
     ml-100k, fixed defaults)
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from acc_data import DATASETS, load_split, ranking_of, split_dir
from acc_render import DOCS, RESULTS, render

from whyrec.evaluate import rank_split, score_ranking
from whyrec.evaluate.adaptive import choose_params
from whyrec.evaluate.metrics import standard_error
from whyrec.evaluate.splits import Split
from whyrec.models import MODEL_NAMES, create_model
from whyrec.training import fit_and_validate, fit_on_split, fit_tuned

ROOT = Path(__file__).resolve().parent.parent
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEERS_OUT = ROOT / "runs" / "accbench" / "peers"
#: whyrec model -> family of the comparison (None: a baseline)
FAMILIES = {"pop": None, "als": "als", "bpr": "bpr", "ease": "ease", "itemknn": "itemknn", "multvae": "multvae",
            "sasrec": "sasrec", "gru4rec": "gru4rec", "affinity": "affinity",
            "transitions": "transitions"}
#: benchmark-only names: a model with some hyperparameters held (an ablation row beside the model's own)
VARIANTS = {"ease-interactions": ("ease", {"attribute_weight": 0.0})}
#: whyrec models that always read the catalog (EASE does when its chosen attribute_weight is above 0)
CATALOG_MODELS = ("affinity", "text", "hybrid")
#: the next-item models: a time budget trains them in one stage (early stopping on valid, no refit)
SEQUENCE_MODELS = ("sasrec", "gru4rec")
PEER_SYSTEMS = ("implicit-als", "implicit-bpr", "cornac-bpr", "cornac-ease", "cornac-itemknn", "cornac-vaecf",
                "lenskit-itemknn", "lenskit-als", "lenskit-ease", "cornac-sasrec", "cornac-gru4rec")
KEYS = ("ndcg@10", "recall@10")


def load() -> float:
    return round(os.getloadavg()[0], 1)


def test_scores(ranking: Any) -> dict[str, float]:
    """NDCG@10 and Recall@10 of a test ranking, and the standard error of the NDCG over its users."""
    per_user, metrics = score_ranking(ranking, ks=(10,))
    return {**{k: metrics[k] for k in KEYS}, "ndcg@10_se": standard_error(per_user["ndcg@10"])}


def whyrec_row(system: str, parts: Split, *, max_minutes: float | None) -> dict[str, Any]:
    """Fit `system` (a model, or one of VARIANTS) as ``whyrec train --split-dir DIR --model MODEL`` does (with
    the variant's values as ``--param``), and score it on test."""
    model, pinned = VARIANTS.get(system, (system, {}))
    # a sequence model under a time budget trains in one stage (early stopping on valid, no refit), as
    # sequence.md runs it
    held = {"max_minutes": max_minutes, "refit": False} if max_minutes is not None and model in SEQUENCE_MODELS else {}
    held = {**held, **pinned}
    load_before = load()
    started = time.perf_counter()
    choice, tuned = choose_params(model, parts, mode="auto", fixed=held, seed=0)
    tune_s = time.perf_counter() - started
    recommender = create_model(model, **choice.params)
    started = time.perf_counter()
    recommender = fit_tuned(recommender, parts) if tuned is not None else fit_and_validate(recommender, parts)[0]
    fit_s = time.perf_counter() - started
    metrics = test_scores(rank_split(recommender, parts, k=10))
    changed = {k: v for k, v in recommender.config.model_dump(mode="json").items()
               if k != "seed" and v != choice.fixed_defaults.get(k)}
    reads_catalog = model in CATALOG_MODELS or bool(getattr(recommender.config, "attribute_weight", 0.0))
    return {"system": f"whyrec {system}", "library": "whyrec", "family": FAMILIES[model],
            "reads_catalog": reads_catalog, "ablation": system in VARIANTS,
            **metrics, "tune_s": round(tune_s, 1), "fit_s": round(fit_s, 1),
            "trials": choice.trials or 1, "tuning": choice.how, "chosen": changed,
            "valid_ndcg@10": choice.validation_ndcg, "load": [load_before, load()]}


def peer_rows(name: str, parts: Split, systems: list[str], max_trials: int, *, command: str,
              collect: bool = False) -> None:
    """Run `systems` in the peers' venv on `name`'s split files, score the lists they write and merge each row
    as soon as it is scored. `collect` scores lists an earlier (interrupted) run left, without running."""
    if not PEERS_PYTHON.exists() and not collect:
        raise SystemExit(f"{PEERS_PYTHON} is missing: run `make peers` first (it creates .venv-peers).")
    out = PEERS_OUT / name
    out.mkdir(parents=True, exist_ok=True)
    for system in systems:
        load_before = load()
        if not collect:
            for stale in out.glob(f"{system}.*"):
                stale.unlink()
            env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            subprocess.run([str(PEERS_PYTHON), str(ROOT / "benchmarks" / "acc_peers.py"), str(split_dir(name)),
                            str(out), "--systems", system, "--max-trials", str(max_trials)], env=env, check=False)
        if not (out / f"{system}.npz").exists():
            failed = out / f"{system}.failed"
            if collect and not failed.exists():
                continue
            reason = failed.read_text().strip() if failed.exists() else "no output"
            print(f"{system}: FAILED ({reason})", flush=True)
            merge(name, parts, [{"system": system, "library": system.split("-")[0], "failed": reason}], command)
            continue
        record = json.loads((out / f"{system}.json").read_text())
        lists = np.load(out / f"{system}.npz")
        metrics = test_scores(ranking_of(parts, lists["test_users"], lists["test_items"]))
        _, valid = score_ranking(ranking_of(parts, lists["valid_users"], lists["valid_items"], target="validation"),
                                 ks=(10,))
        row = {"system": system, "library": record["versions"], "family": record["family"],
               **metrics, "tune_s": record["tune_s"], "fit_s": record["fit_s"],
               "trials": len(record["trials"]), "tuning": "grid on valid", "chosen": record["params"],
               "valid_ndcg@10": valid["ndcg@10"], "valid_ndcg@10_own": record["valid_ndcg@10_own"],
               "load": record.get("load", [load_before, load()])}
        print(f"{system}: test NDCG@10 {metrics['ndcg@10']:.4f}", flush=True)
        merge(name, parts, [row], command)


def merge(name: str, parts: Split, rows: list[dict[str, Any]], command: str) -> None:
    """Put `rows` into the results file (replacing the same dataset and system), then render the md."""
    def put(results: dict[str, Any]) -> None:
        data = results.setdefault("datasets", {}).setdefault(name, {"rows": {}})
        data["manifest"] = json.loads((split_dir(name) / "manifest.json").read_text())
        data["sizes"] = parts.sizes()
        for row in rows:
            data["rows"][row["system"]] = {**row, "command": command}

    update_results(put)


def update_results(change: Any) -> None:
    """Apply `change` to the results file and render the md, with the file locked while it is read and
    rewritten (runs of several datasets may go at once)."""
    with open(RESULTS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        change(results)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        render(results)


def all_models(models: list[str]) -> None:
    """Every whyrec model on ml-100k with its fixed defaults (the README's table); rows kept in accuracy.json."""
    from whyrec import load_dataset
    from whyrec.evaluate import split_dataset

    dataset, _ = load_dataset("ml-100k")
    parts = split_dataset(dataset)
    rows = []
    for name in models:
        started = time.perf_counter()
        model = fit_on_split(create_model(name, seed=0), parts)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        ranking = rank_split(model, parts, k=20)
        recommend_s = time.perf_counter() - started
        _, metrics = score_ranking(ranking, ks=(10, 20))
        rows.append({"model": name, **{k: metrics[k] for k in ("recall@10", "ndcg@10", "recall@20", "ndcg@20",
                                                               "coverage@10")},
                     "fit_s": round(fit_s, 1), "recommend_s": round(recommend_s, 2),
                     "params": model.config.model_dump(mode="json")})
        print(f"{name}: ndcg@10 {metrics['ndcg@10']:.4f}, fit {fit_s:.1f} s", flush=True)

    def put(results: dict[str, Any]) -> None:
        table = results.setdefault("all_models", {"protocol": parts.protocol, "rows": []})
        table["rows"] = [r for r in table["rows"] if r["model"] not in models] + rows

    update_results(put)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="", help=f"comma-separated, of {', '.join(DATASETS)}")
    parser.add_argument("--whyrec", default=None,
                        help="whyrec models ('none' for none; default pop,itemknn,ease,als,bpr,multvae,affinity,"
                        "transitions; "
                        "a variant: ease-interactions, EASE without side information; sasrec and "
                        "gru4rec run only where asked; with --all-models: the rows to rerun, default every model)")
    parser.add_argument("--peers", default="all", help=f"'all', 'none' or of {', '.join(PEER_SYSTEMS)}")
    parser.add_argument("--max-minutes", type=float, default=None, help="the time budget of SASRec and GRU4Rec")
    parser.add_argument("--peer-trials", type=int, default=8, help="settings of each peer's grid to try (at most 8)")
    parser.add_argument("--render", action="store_true", help="only render the md from the JSON")
    parser.add_argument("--collect", action="store_true", help="score the peers' lists an interrupted run left")
    parser.add_argument("--all-models", action="store_true", help="the ml-100k table of every whyrec model")
    args = parser.parse_args()
    torch.set_num_threads(1)  # two cores: one thread per process is fastest for these small networks
    command = "nice -n 10 .venv/bin/python benchmarks/accuracy.py " + " ".join(sys.argv[1:])
    if args.render:
        render(json.loads(RESULTS.read_text()))
        return
    if args.all_models:
        all_models(list(MODEL_NAMES) if args.whyrec is None else args.whyrec.split(","))
        return
    chosen = args.whyrec or "pop,itemknn,ease,als,bpr,multvae,affinity,transitions"
    models = [] if chosen == "none" else chosen.split(",")
    peers = [] if args.peers == "none" else list(PEER_SYSTEMS) if args.peers == "all" else args.peers.split(",")
    for name in [d for d in args.datasets.split(",") if d]:
        parts = load_split(name)
        print(f"{name}: {parts.protocol}, {parts.sizes()}", flush=True)
        for model in models:
            row = whyrec_row(model, parts, max_minutes=args.max_minutes)
            print(f"{row['system']}: test NDCG@10 {row['ndcg@10']:.4f} (tune {row['tune_s']} s, fit {row['fit_s']} s)",
                  flush=True)
            merge(name, parts, [row], command)
        if peers:
            peer_rows(name, parts, peers, args.peer_trials, command=command, collect=args.collect)
    DOCS.mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    main()
