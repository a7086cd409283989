"""How whyrec's cost grows with the data: 1M, 5M and 20M synthetic events (up to 1M users x 100k items).

Per size: the events are written once as CSV under /tmp (`write_synthetic`), then each measurement runs in a
fresh child process (peak RSS from ``resource.getrusage``): loading; each model's single-node fit; Spark local
ALS (``whyrec.scale.spark.train_als``, local[2]) against single-node ALS on the same split; batch recommend and
recommend + exact explanation per 1,000 users (ALS); approximate top-100 lists from the faiss HNSW index against
exact ones (ALS: recall@100, latency). Before a fit, the model's cost is estimated (EASE: its own
``fit_estimate``; the others: the previous size's measured time and memory, grown by the measured exponent,
at least linearly) and a fit over the memory budget or the time limit is recorded as not feasible instead.

Every measurement is appended to a JSON file (re-running one replaces it), so the benchmark runs in pieces;
``--report`` renders docs/benchmarks/growth.md and its plots from that file (`growth_report`).

Run: PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/growth.py [--sizes 1M,5M] [--models als,pop]
     [--steps load,fit,spark,ann] [--limit 600] [--budget 6GiB] [--report]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from growth_report import RESULTS, estimate_from, key_of, write_report

DATA = Path("/tmp/whyrec-growth")
#: events -> (users, items): 20 events per user and 200 per item at every size
SIZES = {"1M": 1_000_000, "5M": 5_000_000, "20M": 20_000_000}
#: the benchmark's hyperparameters (defaults where a fit of 20M events stays in reach of the time limit)
MODELS: dict[str, dict[str, Any]] = {
    "pop": {},
    "als": {"embedding_size": 64, "epochs": 5},
    "bpr": {"embedding_size": 64, "epochs": 20},
    "itemknn": {"n_neighbors": 100},
    "ease": {},
    "sasrec": {"max_minutes": 3.0, "epochs": 50, "threads": 2},
}
SEQUENTIAL_ONLY_AT = "1M"  # SASRec is fitted at the smallest size only (its time limit is max_minutes)
EXPLAIN_USERS = 50  # explained one at a time (0.3-1.4 s each on the loaded machine); times are scaled to 1,000
ANN_K, ANN_USERS, ANN_LATENCY_USERS = 100, 1_000, 200  # lists of 100 compared for recall; timed one at a time


def shape(events: int) -> tuple[int, int]:
    """(users, items) of a size: 20 events per user, 200 per item."""
    return max(50, events // 20), max(200, events // 200)


def parse_events(label: str) -> int:
    """``"5M"`` -> 5,000,000; ``"20k"`` -> 20,000."""
    units = {"k": 1_000, "m": 1_000_000}
    return int(float(label[:-1]) * units[label[-1].lower()]) if label[-1].lower() in units else int(label)


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def files_of(size: str, root: Path = DATA) -> dict[str, Path]:
    folder = root / size
    return {"events": folder / "events.csv", "catalog": folder / "catalog.csv"}


# ---- measurements (each runs in its own process under the benchmark; tests call them directly) -------------

def generate_files(size: str, root: Path = DATA) -> dict[str, Any]:
    """Write the size's synthetic events and catalog once (skipped when the files exist)."""
    from whyrec.data.builtin.synthetic import SyntheticConfig, write_synthetic

    events = parse_events(size)
    users, items = shape(events)
    paths = files_of(size, root)
    started = time.perf_counter()
    if not paths["events"].exists():
        write_synthetic(SyntheticConfig(n_events=events, n_users=users, n_items=items, seed=0), paths["events"].parent)
    return {"seconds": time.perf_counter() - started, "peak_rss": _peak(),
            "bytes": paths["events"].stat().st_size}


def _load(size: str, root: Path) -> Any:
    from whyrec import load_dataset

    paths = files_of(size, root)
    dataset, _ = load_dataset(paths["events"], catalog=paths["catalog"])
    return dataset


def measure_load(size: str, root: Path = DATA) -> dict[str, Any]:
    """Load the CSV files into a Dataset and build its interaction matrix."""
    started = time.perf_counter()
    dataset = _load(size, root)
    pairs = int(dataset.interactions.nnz)
    return {"seconds": time.perf_counter() - started, "peak_rss": _peak(), "events": len(dataset.events),
            "users": dataset.n_users, "items": dataset.n_items, "pairs": pairs}


def measure_fit(size: str, model_name: str, root: Path = DATA, explain: bool = False) -> dict[str, Any]:
    """Fit one model on the whole dataset; with `explain` (ALS) also time recommend and explain per 1,000 users."""
    from whyrec.models import create_model

    dataset = _load(size, root)
    rss_before = _peak()
    model = create_model(model_name, **MODELS[model_name])
    started = time.perf_counter()
    model.fit(dataset)
    out: dict[str, Any] = {"seconds": time.perf_counter() - started, "peak_rss": _peak(), "rss_before": rss_before,
                           "events": len(dataset.events), "users": dataset.n_users, "items": dataset.n_items}
    if explain:
        print(json.dumps(out), flush=True)  # the fit's numbers survive an explanation step killed at the limit
        out.update(_explain_per_1k(model, dataset))
    return out


def _explain_per_1k(model: Any, dataset: Any) -> dict[str, Any]:
    from whyrec.explain import ExplainMethod
    from whyrec.explain.pipeline import recommend_explained

    users = dataset.active_users
    user_ids = list(dataset.users.ids_of(users[:: max(1, len(users) // 1_000)][:1_000]))
    started = time.perf_counter()
    model.recommend(dataset.histories(user_ids), 10, candidates=dataset.active_items)
    recommend_s = time.perf_counter() - started

    def explain(user: str) -> None:
        recommend_explained(model, dataset.history(user), dataset=dataset, k=10, candidates=dataset.active_items,
                            method=ExplainMethod.EXACT, top_n=5)

    explain(user_ids[-1])  # the first call imports the explainers
    explained = user_ids[:EXPLAIN_USERS]
    started = time.perf_counter()
    for user in explained:
        explain(user)
    return {"recommend_per_1k_s": recommend_s * 1_000 / len(user_ids),
            "explain_per_1k_s": (time.perf_counter() - started) * 1_000 / len(explained),
            "recommend_users": len(user_ids), "explain_users": len(explained)}


def measure_spark(size: str, root: Path = DATA) -> dict[str, Any]:
    """MLlib ALS on local[2] (`train_als`) and single-node ALS on the same split's fit part, same hyperparameters."""
    from whyrec.data.loading import DataSource
    from whyrec.models import ALS, ALSConfig
    from whyrec.scale.spark import session, train_als

    paths = files_of(size, root)
    config = ALSConfig(**MODELS["als"])
    spark = session("local[2]", **{"spark.driver.memory": "4g"})
    try:
        run = train_als(spark, DataSource(source=str(paths["events"]), catalog=str(paths["catalog"])),
                        paths["events"].parent / "spark-run", config=config, evaluate_test=False)
    finally:
        spark.stop()
    fit = run.fit_data  # the split's train + valid part, which MLlib was given
    started = time.perf_counter()
    ALS(config).fit(fit)
    single_s = time.perf_counter() - started
    spark_s = float(run.meta.fit_seconds or 0.0)
    return {"seconds": spark_s, "single_node_s": single_s, "ratio": spark_s / single_s, "peak_rss": _peak(),
            "pairs": int(fit.interactions.nnz), "events": len(fit.events)}


def measure_ann(size: str, root: Path = DATA) -> dict[str, Any]:
    """ALS (`MODELS`) on the whole dataset, then whole lists of 100 from the faiss HNSW index (`Retriever`, the
    `RetrievalConfig` defaults) against exact ranking (`ALS.recommend`) for `ANN_USERS` users: recall@100,
    per-list latency (median, one list at a time) and the index's build time."""
    from ann import latency  # the same timing as benchmarks/ann.py

    from whyrec.data.history import HistoryBatch
    from whyrec.models import ALS
    from whyrec.retrieval import ItemIndex, RetrievalConfig, Retriever, recall_at_k

    dataset = _load(size, root)
    model = ALS(**MODELS["als"]).fit(dataset)
    config = RetrievalConfig(mode="on")
    started = time.perf_counter()
    index = ItemIndex.build(model.item_vectors(), m=config.m, ef_construction=config.ef_construction)
    build_s = time.perf_counter() - started
    users = dataset.active_users[:: max(1, len(dataset.active_users) // ANN_USERS)][:ANN_USERS]
    histories = dataset.histories_of(users)
    retriever = Retriever(model, index, config)
    exact, found = model.recommend(histories, ANN_K), retriever.recommend(histories, ANN_K)
    singles = [HistoryBatch.from_histories([histories[i]], dataset.n_items)
               for i in range(min(ANN_LATENCY_USERS, len(users)))]

    def median_ms(call: Any) -> float:
        return latency(call, singles)["median"]

    return {"seconds": build_s, "peak_rss": _peak(), "items": dataset.n_items, "users_compared": len(users),
            "recall@100": recall_at_k(found.items, exact.items, ANN_K),
            "from_index": float(found.approximate.mean()), "ef_search": config.ef_search,
            "exact_ms": median_ms(lambda b: model.recommend(b, ANN_K)),
            "approx_ms": median_ms(lambda b: retriever.recommend(b, ANN_K))}


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement described by `spec` (``what``, ``size``, ``model``, ``root``)."""
    root = Path(spec.get("root", DATA))
    what, size = spec["what"], spec["size"]
    if what == "generate":
        return generate_files(size, root)
    if what == "load":
        return measure_load(size, root)
    if what == "fit":
        return measure_fit(size, spec["model"], root, explain=spec["model"] == "als")
    if what == "spark":
        return measure_spark(size, root)
    if what == "ann":
        return measure_ann(size, root)
    raise ValueError(f"unknown measurement {what!r}; expected generate, load, fit, spark or ann")


# ---- the parent: estimates, child processes, the results file ----------------------------------------------

def feasibility(size: str, model_name: str, results: list[dict[str, Any]], limit_s: float,
                budget: int) -> str | None:
    """Why a fit is not feasible (memory or time, with the estimate), or None to run it."""
    from whyrec.models import create_model
    from whyrec.resources import fit_estimate_of, format_size

    events = parse_events(size)
    own = fit_estimate_of(create_model(model_name, **MODELS[model_name]), shape(events)[1])
    if own is not None:
        if own.peak_bytes > budget:
            return (f"not feasible: memory (estimate {format_size(own.peak_bytes)}, budget {format_size(budget)}; "
                    f"{own.detail})")
        if own.seconds > limit_s:
            return f"not feasible: time (estimate {own.seconds:.0f} s / limit {limit_s:.0f} s)"
        return None
    stopped = [r for r in results if r["what"] == "fit" and r.get("model") == model_name
               and r["events_asked"] < events and r["status"].startswith(("not done", "not feasible: time"))]
    if stopped:
        return f"not feasible: time (at {stopped[0]['size']} already {stopped[0]['status']})"
    seconds, peak = estimate_from(results, model_name, events)
    if peak is not None and peak > budget:
        return (f"not feasible: memory (estimate {format_size(peak)} from the smaller sizes, "
                f"budget {format_size(budget)})")
    if seconds is not None and seconds > limit_s:
        return f"not feasible: time (estimate {seconds:.0f} s from the smaller sizes / limit {limit_s:.0f} s)"
    return None


def child(spec: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """`measure(spec)` in a fresh interpreter (nice 10), killed after `timeout_s`."""
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, ["src", os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(["nice", "-n", "10", sys.executable, __file__, "--child", json.dumps(spec)],
                              capture_output=True, text=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired as killed:
        printed = (killed.stdout or b"").decode() if isinstance(killed.stdout, bytes) else (killed.stdout or "")
        return _partial(printed, f"not done within {timeout_s:.0f} s (killed)", load)
    if done.returncode:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return _partial(done.stdout, f"failed (exit {done.returncode}): {tail[:300]}", load)
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out.update(status="ok", load=[load, os.getloadavg()[0]])
    return out


def _partial(printed: str, status: str, load: float) -> dict[str, Any]:
    """A stopped child's record: its fit, when printed before its explanations were stopped, else only why."""
    if not printed.strip():
        return {"status": status, "load": [load, os.getloadavg()[0]]}
    partial: dict[str, Any] = json.loads(printed.strip().splitlines()[-1])
    partial.update(status="ok", explain_status=status, load=[load, os.getloadavg()[0]])
    return partial


def append(path: Path, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Add `record` to the results file, replacing an earlier one of the same size, step and model."""
    results = json.loads(path.read_text()) if path.exists() else []
    results = [r for r in results if key_of(r) != key_of(record)] + [record]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    return list(results)


def run(args: argparse.Namespace) -> None:
    from whyrec.resources import parse_size

    budget = parse_size(args.budget)
    command = "PYTHONPATH=src nice -n 10 .venv/bin/python benchmarks/growth.py " + " ".join(sys.argv[1:])
    results = json.loads(args.results.read_text()) if args.results.exists() else []
    for size in args.sizes.split(","):
        base = {"size": size, "events_asked": parse_events(size), "command": command.strip(),
                "cores": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        generated = child({"what": "generate", "size": size}, args.limit * 3)
        if generated["status"] != "ok":
            print(f"{size}: generation {generated['status']}", flush=True)
            continue
        steps = args.steps.split(",")
        todo: list[tuple[str, str | None]] = [("load", None)] if "load" in steps else []
        if "fit" in steps:
            todo += [("fit", m) for m in args.models.split(",") if m != "sasrec" or size == SEQUENTIAL_ONLY_AT]
        if "spark" in steps:
            todo.append(("spark", "als"))
        if "ann" in steps:
            todo.append(("ann", None))
        for what, model in todo:
            record = {**base, "what": what, "model": model}
            reason = feasibility(size, model, results, args.limit, budget) if what == "fit" and model else None
            if reason is not None:
                record.update(status=reason, load=[os.getloadavg()[0]] * 2)
            else:
                # loading the data comes before the fit: the kill allows for it beyond the fit's own limit
                record.update(child({"what": what, "size": size, "model": model}, args.limit + 120))
            print(json.dumps(record), flush=True)
            results = append(args.results, record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: 1M,5M,20M (or any 300k, 2M)")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--steps", default="load,fit,spark,ann", help="comma-separated, of load, fit, spark, "
                        "ann (ALS's fit also times recommend and explain per 1,000 users)")
    parser.add_argument("--limit", type=float, default=600.0, help="seconds per fit (estimate and kill)")
    parser.add_argument("--budget", default="6GiB", help="peak memory a fit may take (estimate)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--report", action="store_true", help="only render the md and plots from --results")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(json.loads(args.child))))
        return
    if not args.report:
        run(args)
    print(f"wrote {write_report(json.loads(args.results.read_text()))}")


if __name__ == "__main__":
    main()
