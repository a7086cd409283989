"""SASRec or GRU4Rec at shop scale on 2 cores: fit time, sequences per second per epoch, NDCG@10 against popularity.

Data: the ``synthetic-beauty`` preset (Amazon Beauty's shape; full size 22,000 users, 12,000 items, ~200,000
events), split leave-last-out, full ranking of the train + valid catalog. The model trains one stage (early
stopping on valid, no refit) with the default loss for the catalog (sampled softmax above 2,048 items). A
"sequence" is one training window of up to ``max_length`` + 1 items (every position in it is a target);
``targets_per_second`` counts the next-item predictions trained per second (the training transitions).
Writes docs/benchmarks/sequence.json; docs/benchmarks/sequence.md quotes it.

Run: PYTHONPATH=src .venv/bin/python benchmarks/sequence.py [--model sasrec|gru4rec] [--scale 1.0]
     [--max-minutes 12] [--threads 2] [--param dropout=0.5 ...]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

import numpy as np

from whyrec.data import Dataset, DataSource
from whyrec.data.builtin.synthetic_beauty import FULL_EVENTS
from whyrec.evaluate import evaluate, split_dataset
from whyrec.evaluate.splits import LeaveLastOutSplit
from whyrec.models import MostPopular
from whyrec.models.torch.gru4rec import GRU4Rec, training_windows
from whyrec.models.torch.sasrec import SASRec
from whyrec.training import fit_on_split

OUT = Path(__file__).parents[1] / "docs" / "benchmarks" / "sequence.json"
MODELS = {"sasrec": SASRec, "gru4rec": GRU4Rec}


def targets_per_window(dataset: Dataset, max_length: int) -> float:
    """Next-item targets per training window (each user's events but the first, over their windows), to turn
    windows per second into targets per second (also for an epoch the budget cut short)."""
    targets = int(np.maximum(np.diff(dataset.user_indptr) - 1, 0).sum())
    windows = len(training_windows(dataset.user_indptr, dataset.events.item, max_length))
    return targets / max(windows, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="sasrec")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the preset (1 = Beauty's size)")
    parser.add_argument("--max-minutes", type=float, default=12.0, help="the model's fit budget")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--param", action="append", default=[], help="model hyperparameter name=value")
    parser.add_argument("--label", default="", help="name of this run in the results file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    params: dict[str, object] = {"refit": False, "max_minutes": args.max_minutes, "threads": args.threads}
    for item in args.param:
        name, value = item.split("=", 1)
        params[name] = json.loads(value) if value[:1].isdigit() or value in ("true", "false") else value
    load_before = os.getloadavg()
    started = time.perf_counter()
    dataset, _ = DataSource(source="synthetic-beauty", synthetic_events=round(FULL_EVENTS * args.scale)).load()
    split = split_dataset(dataset, LeaveLastOutSplit())
    model = MODELS[args.model](**params)  # type: ignore[arg-type]
    fit_started = time.perf_counter()
    fitted = fit_on_split(model, split)
    fit_seconds = time.perf_counter() - fit_started
    log = fitted.training_log_
    trained = getattr(fitted, "training_config_", fitted.config)  # SASRec's settings resolved for the catalog
    # a prefix holds one target; a window every position's
    per_window = 1.0 if trained.prefix_training else targets_per_window(split.train, fitted.config.max_length)
    ours = evaluate(fitted, split, ks=(10,)).summary["ndcg@10"]
    pop = evaluate(MostPopular().fit(split.fit), split, ks=(10,)).summary["ndcg@10"]
    result = {
        "label": args.label or f"{args.model}, scale {args.scale:g}",
        "model": args.model,
        "data": {"scale": args.scale, "users": dataset.n_users, "items": dataset.n_items,
                 "events": len(dataset.events)},
        "params": trained.model_dump(),
        "fit_seconds": round(fit_seconds, 1),
        "epochs": len(log.losses), "best_epoch": log.best_epoch, "stopped_by": log.stopped_by,
        "sequences_per_second": [round(x) for x in log.sequences_per_second],
        "targets_per_second": [round(x * per_window) for x in log.sequences_per_second],
        "train_seconds": [round(x, 1) for x in log.train_seconds],
        "validation_seconds": [round(x, 1) for x in log.validation_seconds],
        "validation_ndcg": [round(x, 4) for x in log.validation],
        "test_ndcg@10": round(ours, 4), "popularity_ndcg@10": round(pop, 4), "ratio": round(ours / pop, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "total_seconds": round(time.perf_counter() - started, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, shared by 8 engineers",
    }
    runs = json.loads(OUT.read_text()) if OUT.exists() else []
    runs = [r for r in runs if r["label"] != result["label"]] + [result]
    OUT.write_text(json.dumps(runs, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "params"}, indent=1))


if __name__ == "__main__":
    main()
