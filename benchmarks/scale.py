"""Speed at shop size: full-ranking evaluation of 50,000 users over 17,000 items, and EASE on 17,000 items.

1. Evaluation: ALS (256 factors) on synthetic data, then whyrec's `evaluate` (fold-in of every history, full
   ranking, all metrics) and implicit's own `ranking_metrics_at_k` side by side in one run, on the same
   factors (implicit is given whyrec's item factors and the folded-in user factors), the same K and the
   same test set. implicit's time does not include the fold-in; whyrec's does.
2. EASE: a fit on a synthetic catalog in a subprocess (float32 Gram and inverse), its wall time and peak
   resident memory (``resource.getrusage``), the RSS before the fit beside it.

Writes docs/benchmarks/scale.md (with the command and the machine's load average).
Run: PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/scale.py [--users 50000] [--items 17000]
     [--ease-items 17000] [--ease-timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from whyrec.data.builtin.synthetic import SyntheticConfig, generate
from whyrec.data.dataset import Dataset, build_dataset
from whyrec.data.loading import EventWeights
from whyrec.data.validation import clean_interactions
from whyrec.evaluate import evaluate, split_dataset
from whyrec.models import ALS

OUT = Path(__file__).parents[1] / "docs" / "benchmarks" / "scale.md"
K = 20


def synthetic(n_users: int, n_items: int, events_per_user: int, seed: int = 0) -> Dataset:
    """A synthetic shop of this size (`whyrec.data.builtin.synthetic`)."""
    data = generate(SyntheticConfig(n_events=n_users * events_per_user, n_users=n_users, n_items=n_items,
                                    seed=seed))
    frame, _ = clean_interactions(data.events, "synthetic", weights=EventWeights())
    return build_dataset(frame, name="synthetic", catalog=data.catalog)


def evaluation(n_users: int, n_items: int, factors: int, epochs: int) -> dict[str, object]:
    """whyrec's evaluate and implicit's ranking_metrics_at_k on the same ALS factors and test set."""
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.evaluation import ranking_metrics_at_k

    # a few more shoppers than evaluated: some have too short a history to hold a test item out
    dataset = synthetic(int(n_users * 1.03), n_items, 40)
    split = split_dataset(dataset)
    users = split.test.active_users[:n_users]
    user_ids = list(split.test.users.ids_of(users))
    started = time.perf_counter()
    model = ALS(embedding_size=factors, epochs=epochs).fit(split.fit)
    fit_s = time.perf_counter() - started

    load_before = os.getloadavg()[0]
    result = evaluate(model, split, ks=(10, K), users=user_ids)
    ours_s = result.elapsed_s

    started = time.perf_counter()
    user_factors = model.user_factors(split.fit.histories_of(users))
    fold_in_s = time.perf_counter() - started
    theirs = AlternatingLeastSquares(factors=factors, dtype=np.float32)
    theirs.item_factors, theirs.user_factors = model.item_factors_, user_factors
    train = sp.csr_matrix(split.fit.interactions[users])
    test = sp.csr_matrix(split.test.interactions[users])
    started = time.perf_counter()
    metrics = ranking_metrics_at_k(theirs, train, test, K=K, show_progress=False)
    theirs_s = time.perf_counter() - started
    return {"users": len(users), "items": dataset.n_items, "factors": factors, "epochs": epochs,
            "events": len(dataset.events), "fit_s": fit_s, "whyrec_s": ours_s, "fold_in_s": fold_in_s,
            "implicit_s": theirs_s, "whyrec_ndcg": result.summary[f"ndcg@{K}"],
            "implicit_ndcg": float(metrics["ndcg"]), "load": (load_before, os.getloadavg()[0])}


def ease_child(n_items: int) -> None:
    """In a fresh process: generate the data, fit EASE, print time and peak memory as JSON."""
    import resource

    import psutil

    from whyrec.models import EASE

    dataset = synthetic(max(2_000, n_items * 3), n_items, 30)
    before = psutil.Process().memory_info().rss
    started = time.perf_counter()
    EASE().fit(dataset)
    fit_s = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"items": dataset.n_items, "events": len(dataset.events), "fit_s": fit_s,
                      "rss_before_fit": before, "peak_rss": peak}))


def ease(n_items: int, timeout_s: float) -> dict[str, object]:
    load_before = os.getloadavg()[0]
    try:
        done = subprocess.run([sys.executable, __file__, "--ease-child", str(n_items)], capture_output=True,
                              text=True, timeout=timeout_s, check=True)
    except subprocess.TimeoutExpired:
        return {"items": n_items, "timeout_s": timeout_s, "load": (load_before, os.getloadavg()[0])}
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    out["load"] = (load_before, os.getloadavg()[0])
    return out


def write(command: str, rows: dict[str, object], eases: list[dict[str, object]]) -> str:
    gib = 1024 ** 3
    load = rows["load"]
    assert isinstance(load, tuple)
    lines = [
        "# Speed at shop size (issue 16)",
        "",
        f"Generated by `{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores). Synthetic data (`whyrec.data.builtin.synthetic`), temporal-user split.",
        "",
        "## Full-ranking evaluation, side by side with implicit",
        "",
        f"{rows['users']:,} test users over {rows['items']:,} items, ALS with {rows['factors']} factors "
        f"({rows['epochs']} epochs, fit in {rows['fit_s']:.0f} s; {rows['events']:,} events), K = {K}. "
        "Both rank every item and exclude each user's fit items; both are given the same item and user factors.",
        "",
        "| | seconds | NDCG@20 |",
        "|---|---:|---:|",
        f"| whyrec `evaluate` (fold-in of every history + ranking + 6 metrics at 10 and 20 + coverage, "
        f"popularity, novelty, diversity) | {rows['whyrec_s']:.1f} | {rows['whyrec_ndcg']:.4f} |",
        f"| implicit `ranking_metrics_at_k` (stored user factors: no fold-in) | {rows['implicit_s']:.1f} | "
        f"{rows['implicit_ndcg']:.4f} |",
        f"| of whyrec's time: the fold-in alone (`ALS.user_factors`) | {rows['fold_in_s']:.1f} | |",
        "",
        f"Load average (1 min) before / after: {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores (above "
        "the core count the machine was shared and every time is longer than on a quiet one). The NDCG columns "
        "are each library's own computation; whyrec ranks only items of the fit data (the protocol's catalog), "
        "implicit every item, which can make them differ slightly.",
        "",
        "## EASE fit (float32 from 5,000 items, float64 below)",
        "",
        "| items | events | fit (s) | RSS before fit (GiB) | peak RSS (GiB) | load before / after |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for e in eases:
        load_e = e["load"]
        assert isinstance(load_e, tuple)
        if "timeout_s" in e:
            lines.append(f"| {e['items']:,} | | not done in {e['timeout_s']:.0f} s | | | "
                         f"{load_e[0]:.1f} / {load_e[1]:.1f} |")
            continue
        lines.append(f"| {e['items']:,} | {e['events']:,} | {e['fit_s']:.0f} | "
                     f"{float(e['rss_before_fit']) / gib:.2f} | {float(e['peak_rss']) / gib:.2f} | "  # type: ignore[arg-type]
                     f"{load_e[0]:.1f} / {load_e[1]:.1f} |")
    lines += ["", "Peak RSS is the whole process (data generation included), from `resource.getrusage`.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=17_000)
    parser.add_argument("--factors", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3, help="ALS epochs (the factors' quality is not measured)")
    parser.add_argument("--ease-items", default="17000", help="comma-separated catalog sizes for EASE")
    parser.add_argument("--ease-timeout", type=float, default=900.0, help="seconds per EASE fit")
    parser.add_argument("--ease-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.ease_child:
        ease_child(args.ease_child)
        return
    command = "PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/scale.py " + " ".join(sys.argv[1:])
    rows = evaluation(args.users, args.items, args.factors, args.epochs)
    print(json.dumps(rows), flush=True)
    eases = []
    for n in (int(v) for v in args.ease_items.split(",") if v):
        eases.append(ease(n, args.ease_timeout))
        print(json.dumps(eases[-1]), flush=True)
    args.out.write_text(write(command.strip(), rows, eases))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
