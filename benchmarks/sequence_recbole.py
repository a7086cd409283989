"""SASRec training throughput, whyrec against RecBole 1.2.1, on the same split and machine in one run.

Data: the ``synthetic-beauty`` preset at ``--scale``, split leave-last-out by whyrec. RecBole gets the same
events as an atomic ``.inter`` file and splits them with its leave-one-out (``LS: valid_and_test``, time
order), which holds out the same last two events per user. Both train SASRec with the same shape
(embedding 64, 2 layers, 1 head, feed-forward 64, 50 items, dropout 0.5) for ``--epochs`` epochs on
``--threads`` threads; only the training time of each epoch is counted (no validation).

The two count "sequences" differently, so both counts are reported with the next-item targets trained per
second, which are comparable: RecBole trains one target per prefix of each user's training sequence
(``len(train_data.dataset)`` prefixes), whyrec one window of up to 51 items per user (every position a
target).

RecBole runs in its own virtual environment (``--recbole-python``; it must not be installed into the
project's)::

    python3.11 -m venv /tmp/recbole && /tmp/recbole/bin/pip install torch==2.13.0
    /tmp/recbole/bin/pip install recbole==1.2.1 "numpy<2" "pandas<3" "setuptools<80"

RecBole 1.2.1 does not run on numpy 2: ``Config`` fails in ``recbole/config/configurator.py``
(``compatibility_settings``: ``np.float = np.float_``) with ``AttributeError: `np.float_` was removed in the
NumPy 2.0 release``, hence numpy 1.26 (and pandas 2, which still takes it) in its environment; torch 2.13
runs on either. ``recbole.quick_start`` also imports ray 2.6, which needs ``pkg_resources`` (setuptools < 80)
and fails on numpy 2's removed ``np.bool8``; this script uses RecBole's config, data, model and trainer
modules instead.

Writes docs/benchmarks/sequence_recbole.json; docs/benchmarks/sequence.md quotes it.

Run: PYTHONPATH=src .venv/bin/python benchmarks/sequence_recbole.py --recbole-python /tmp/recbole/bin/python
     [--scale 0.25] [--epochs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).parents[1] / "docs" / "benchmarks" / "sequence_recbole.json"
SHAPE = {"embedding_size": 64, "n_layers": 2, "attention_heads": 1, "max_length": 50, "dropout": 0.5}


def write_atomic(split: Any, folder: Path) -> Path:
    """The split's events as RecBole's ``<name>/<name>.inter`` (user, item, time); returns the data path."""
    dataset = split.dataset
    events = dataset.events
    users = dataset.users.ids_of(events.user)
    items = dataset.items.ids_of(events.item)
    (folder / "beauty").mkdir(parents=True)
    with (folder / "beauty" / "beauty.inter").open("w") as f:
        f.write("user_id:token\titem_id:token\ttimestamp:float\n")
        # whyrec's event order (user, time, item) is the order in each sequence; the position breaks time ties
        for position, (user, item, stamp) in enumerate(zip(users, items, events.timestamp.tolist(), strict=True)):
            f.write(f"{user}\t{item}\t{stamp + position * 1e-6:.6f}\n")
    return folder


def run_recbole(data_path: str, epochs: int, threads: int, seed: int) -> dict[str, Any]:
    """RecBole's SASRec for `epochs` epochs (runs inside RecBole's environment)."""
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.model.sequential_recommender import SASRec
    from recbole.trainer import Trainer
    from recbole.utils import init_seed

    torch.set_num_threads(threads)
    config = Config(model="SASRec", dataset="beauty", config_dict={
        "data_path": data_path, "checkpoint_dir": str(Path(data_path) / "saved"), "device": "cpu", "use_gpu": False,
        "seed": seed, "reproducibility": True, "show_progress": False, "worker": 0, "save_dataset": False,
        "save_dataloaders": False, "log_wandb": False,
        "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id", "TIME_FIELD": "timestamp",
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        "user_inter_num_interval": "[0,inf)", "item_inter_num_interval": "[0,inf)",
        "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "group_by": "user", "mode": "full"},
        "MAX_ITEM_LIST_LENGTH": SHAPE["max_length"], "loss_type": "CE", "train_neg_sample_args": None,
        "hidden_size": SHAPE["embedding_size"], "inner_size": SHAPE["embedding_size"],
        "n_layers": SHAPE["n_layers"], "n_heads": SHAPE["attention_heads"],
        "hidden_dropout_prob": SHAPE["dropout"], "attn_dropout_prob": SHAPE["dropout"],
        "train_batch_size": 2048, "learning_rate": 0.001, "epochs": epochs})
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, _, _ = data_preparation(config, dataset)
    model = SASRec(config, train_data.dataset).to(config["device"])
    trainer = Trainer(config, model)
    prefixes = len(train_data.dataset)
    seconds, losses = [], []
    for epoch in range(epochs):
        started = time.perf_counter()
        loss = trainer._train_epoch(train_data, epoch, show_progress=False)
        seconds.append(time.perf_counter() - started)
        losses.append(float(sum(loss) if isinstance(loss, tuple) else loss))
    return {"library": "RecBole 1.2.1", "torch": torch.__version__, "loss": "full softmax (CE)",
            "batch": "2,048 prefixes", "users": dataset.user_num - 1, "items": dataset.item_num - 1,
            "sequences": prefixes, "targets": prefixes, "train_seconds": [round(s, 2) for s in seconds],
            "sequences_per_second": [round(prefixes / s) for s in seconds],
            "targets_per_second": [round(prefixes / s) for s in seconds], "losses": [round(x, 4) for x in losses]}


def run_whyrec(split: Any, epochs: int, threads: int, loss: str, seed: int) -> dict[str, Any]:
    """whyrec's SASRec for `epochs` epochs (no early stopping within them)."""
    import numpy as np
    import torch

    from whyrec.models.torch.sasrec import SASRec
    from whyrec.training import fit_on_split

    model = SASRec(**SHAPE, refit=False, epochs=epochs, patience=epochs, threads=threads, loss=loss,  # type: ignore[arg-type]
                   validation_users=500, seed=seed)
    fitted = fit_on_split(model, split)
    log = fitted.training_log_
    targets = int(np.maximum(np.diff(split.train.user_indptr) - 1, 0).sum())
    windows = round(log.sequences_per_second[0] * log.train_seconds[0])
    return {"library": "whyrec", "torch": torch.__version__, "loss": loss.replace("_", " "),
            "batch": f"{fitted.config.batch_size} windows", "sequences": windows, "targets": targets,
            "train_seconds": [round(s, 2) for s in log.train_seconds],
            "sequences_per_second": [round(x) for x in log.sequences_per_second],
            "targets_per_second": [round(targets / s) for s in log.train_seconds],
            "losses": [round(x, 4) for x in log.losses]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recbole-python", type=Path, help="python of the environment RecBole is installed in")
    parser.add_argument("--scale", type=float, default=0.25, help="size of the preset (1 = Beauty's size)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recbole-worker", help=argparse.SUPPRESS)  # internal: run RecBole on this data path
    args = parser.parse_args()
    if args.recbole_worker:
        print(json.dumps(run_recbole(args.recbole_worker, args.epochs, args.threads, args.seed)))
        return

    from whyrec.data import DataSource
    from whyrec.data.builtin.synthetic_beauty import FULL_EVENTS
    from whyrec.evaluate import split_dataset
    from whyrec.evaluate.splits import LeaveLastOutSplit

    if args.recbole_python is None:
        raise SystemExit("--recbole-python is required: the python of RecBole's own environment (see the docstring)")
    dataset, _ = DataSource(source="synthetic-beauty", synthetic_events=round(FULL_EVENTS * args.scale)).load()
    split = split_dataset(dataset, LeaveLastOutSplit())
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="whyrec-recbole-") as tmp:
        data_path = write_atomic(split, Path(tmp))
        started = time.perf_counter()
        worker = [str(args.recbole_python), str(Path(__file__).resolve()), "--recbole-worker", str(data_path),
                  "--epochs", str(args.epochs), "--threads", str(args.threads), "--seed", str(args.seed)]
        done = subprocess.run(worker, capture_output=True, text=True, timeout=3600, check=False,
                              env={**os.environ, "PYTHONPATH": ""}, cwd=tmp)  # RecBole writes log folders in cwd
        if done.returncode != 0:
            raise SystemExit(f"RecBole failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
        recbole = json.loads(done.stdout.strip().splitlines()[-1])
        recbole["wall_seconds"] = round(time.perf_counter() - started, 1)
    libraries = [recbole]
    for loss in ("softmax", "sampled_softmax"):
        started = time.perf_counter()
        libraries.append({**run_whyrec(split, args.epochs, args.threads, loss, args.seed),
                          "wall_seconds": round(time.perf_counter() - started, 1)})
    result = {"data": {"scale": args.scale, "users": dataset.n_users, "items": dataset.n_items,
                       "events": len(dataset.events)},
              "epochs": args.epochs, "threads": args.threads, "shape": SHAPE, "libraries": libraries,
              "load_average_before": [round(x, 2) for x in load_before],
              "load_average_after": [round(x, 2) for x in os.getloadavg()],
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, shared by 8 engineers",
              "command": " ".join(["benchmarks/sequence_recbole.py", *sys.argv[1:]])}
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
