"""Render the growth benchmark's results file (benchmarks/growth.py) as docs/benchmarks/growth.md and PNG plots.

A record is one measurement: ``size``, ``what`` (``load``, ``fit``, ``spark``, ``ann``), ``model``, ``status``
(``ok``, ``not feasible: ...``, ``not done within ...``), ``load`` (1-minute load average before / after), the
times in seconds and ``peak_rss`` in bytes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).parents[1] / "docs" / "benchmarks"
RESULTS = ROOT / "growth" / "results.json"
REPORT = ROOT / "growth.md"
GIB = 1024**3
Record = dict[str, Any]


def key_of(record: Record) -> tuple[str, str, str | None]:
    """What a record measures: re-running it replaces it."""
    return record["size"], record["what"], record.get("model")


def _events(record: Record) -> int:
    return int(record.get("events") or record["events_asked"])


def _ok(results: list[Record], what: str, model: str | None = None) -> list[Record]:
    rows = [r for r in results if r["what"] == what and r.get("model") == model and r["status"] == "ok"]
    return sorted(rows, key=_events)


def exponent(xs: list[float], ys: list[float]) -> float | None:
    """Slope of the least-squares line through (log x, log y): y grows like x to this power."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def estimate_from(results: list[Record], model: str, events: int) -> tuple[float | None, float | None]:
    """(seconds, peak bytes) of a fit on `events` events, grown from the model's fits on fewer events.

    Time grows by the measured exponent (at least 1: no fit is cheaper per event on more data), memory
    linearly from the largest smaller fit. None when nothing smaller was measured.
    """
    done = [r for r in _ok(results, "fit", model) if _events(r) < events]
    if not done:
        return None, None
    last = done[-1]
    ratio = events / _events(last)
    slope = exponent([_events(r) for r in done], [r["seconds"] for r in done]) or 1.0
    return last["seconds"] * ratio ** max(1.0, slope), last["peak_rss"] * ratio


def _load(record: Record) -> str:
    before, after = record.get("load") or (math.nan, math.nan)
    return f"{before:.1f} / {after:.1f}"


def _cell(record: Record | None) -> str:
    if record is None:
        return "not run"
    if record["status"] != "ok":
        return str(record["status"])
    return f"{record['seconds']:.1f} s, {record['peak_rss'] / GIB:.2f} GiB (load {_load(record)})"


def _plot(results: list[Record], models: list[str], value: str, ylabel: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lines = [("load (CSV -> Dataset)", _ok(results, "load"))] + [(m, _ok(results, "fit", m)) for m in models]
    for label, rows in lines:
        if not rows:
            continue
        scale = GIB if value == "peak_rss" else 1.0
        ax.plot([_events(r) for r in rows], [r[value] / scale for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _exponents(rows: list[Record]) -> tuple[str, str]:
    xs = [float(_events(r)) for r in rows]
    t = exponent(xs, [r["seconds"] for r in rows])
    m = exponent(xs, [r["peak_rss"] for r in rows])
    return ("" if t is None else f"{t:.2f}"), ("" if m is None else f"{m:.2f}")


def render(results: list[Record], plot_dir: Path) -> str:
    """The markdown page; writes ``time.png`` and ``memory.png`` into `plot_dir`."""
    sizes = sorted({r["size"] for r in results}, key=lambda s: min(r["events_asked"] for r in results
                                                                    if r["size"] == s))
    models = list(dict.fromkeys(r["model"] for r in results if r["what"] == "fit"))
    by_key = {key_of(r): r for r in results}
    _plot(results, models, "seconds", "seconds (fit; load)", plot_dir / "time.png")
    _plot(results, models, "peak_rss", "peak RSS of the process (GiB)", plot_dir / "memory.png")
    rel = plot_dir.name
    lines = ["# How cost grows with the data (issue 19)", "",
             "Synthetic shops (`whyrec.data.builtin.synthetic`, seed 0: 20 events per user, 200 per item), each "
             "written once as CSV and then measured in a fresh child process per step; peak memory is that "
             "process's peak RSS (`resource.getrusage`: the data loading included). Load average: 1-minute, "
             "before / after each step, on a machine shared by several people (above the core count every time is "
             "longer than on a quiet machine). Rendered from `docs/benchmarks/growth/results.json` by "
             "`PYTHONPATH=src .venv/bin/python benchmarks/growth.py --report`.", "",
             "Commands that made the numbers:", ""]
    lines += [f"- `{c}`" for c in dict.fromkeys(r["command"] for r in results)]
    from growth import MODELS

    params = "; ".join(f"{m} {', '.join(f'{k}={v}' for k, v in p.items()) or 'defaults'}" for m, p in MODELS.items())
    lines += ["", f"Hyperparameters (`growth.MODELS`): {params}. Each fit runs under a time limit (`--limit`, "
              "600 s unless the command says otherwise; the child is killed 120 s after it, the loading of the "
              "data included) and a memory budget (`--budget`, 6 GiB); before it runs, its estimate is checked "
              "against both.", "", "## Data and loading", "",
              "| size | events | users | items | user-item pairs | load (s) | peak RSS (GiB) | load avg | when |",
              "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for size in sizes:
        r = by_key.get((size, "load", None))
        if r is None or r["status"] != "ok":
            lines.append(f"| {size} | | | | | {_cell(r)} | | | |")
            continue
        lines.append(f"| {size} | {r['events']:,} | {r['users']:,} | {r['items']:,} | {r['pairs']:,} | "
                     f"{r['seconds']:.1f} | {r['peak_rss'] / GIB:.2f} | {_load(r)} | {r['when']} |")
    t, m = _exponents(_ok(results, "load"))
    lines += ["", f"Growth exponent of loading (slope of the log-log fit): time {t or 'n/a'}, memory {m or 'n/a'}.",
              "", "## Single-node training", "",
              f"![fit time against events]({rel}/time.png) ![peak memory against events]({rel}/memory.png)", "",
              "| model | " + " | ".join(sizes) + " | time exponent | memory exponent |",
              "|---|" + "---|" * len(sizes) + "---:|---:|"]
    for model in models:
        t, m = _exponents(_ok(results, "fit", model))
        cells = [_cell(by_key.get((s, "fit", model))) for s in sizes]
        lines.append(f"| {model} | " + " | ".join(cells) + f" | {t} | {m} |")
    loads = [x for r in results for x in r.get("load") or () if r["status"] == "ok"]
    lines += ["", f"The load average went from {min(loads):.0f} to {max(loads):.0f} over these measurements (2 cores): "
              "an exponent here mixes how a model's cost grows with how busy the machine was at each size, so "
              "read it as rough; the memory exponents do not depend on the load.", "",
              "Where each model stops being feasible, and why (SASRec is fitted at the smallest size only, under "
              "its `max_minutes` budget):", ""] if loads else ["", "Where each model stops being feasible, and why:",
                                                                 ""]
    for model in models:
        stop = next((by_key[(s, "fit", model)] for s in sizes if (s, "fit", model) in by_key
                     and by_key[(s, "fit", model)]["status"] != "ok"), None)
        measured = ", ".join(s for s in sizes if by_key.get((s, "fit", model), {}).get("status") == "ok")
        lines.append(f"- **{model}**: " + (f"feasible at every size measured ({measured})" if stop is None
                                           else f"from {stop['size']}: {stop['status']}"))
    lines += ["", "## Spark local[2] against single-node ALS", "",
              "`whyrec.scale.spark.train_als` (MLlib ALS, implicit preferences) and whyrec's ALS with the same "
              "hyperparameters on the same split's train + valid part. Spark's time is the MLlib fit and the "
              "collection of its item factors (the run's `fit_seconds`); its JVM's memory is not in the peak RSS.",
              "", "| size | pairs | Spark (s) | single node (s) | Spark / single | load avg |",
              "|---|---:|---:|---:|---:|---|"]
    for size in sizes:
        r = by_key.get((size, "spark", "als"))
        if r is None or r["status"] != "ok":
            lines.append(f"| {size} | | {_cell(r)} | | | |")
            continue
        lines.append(f"| {size} | {r['pairs']:,} | {r['seconds']:.1f} | {r['single_node_s']:.1f} | "
                     f"{r['ratio']:.2f} | {_load(r)} |")
    lines += ["", "## Batch recommend and explain per 1,000 users (ALS, exact explanations)", "",
              "Top 10 of 1,000 users' full histories in one batch, then top 10 with exact explanations "
              "(`recommend_explained`, 5 evidence items each) one user at a time, as `whyrec explain` does, on the "
              "first users of that sample (`growth.EXPLAIN_USERS`), scaled to 1,000.", "",
              "| size | recommend (s / 1,000 users) | recommend + explain (s / 1,000 users) | users explained | "
              "load avg |", "|---|---:|---:|---:|---|"]
    for size in sizes:
        r = by_key.get((size, "fit", "als"))
        if r is not None and "explain_status" in r:
            lines.append(f"| {size} | | {r['explain_status']} | | {_load(r)} |")
            continue
        if r is None or "explain_per_1k_s" not in r:
            lines.append(f"| {size} | {_cell(r)} | | | |")
            continue
        lines.append(f"| {size} | {r['recommend_per_1k_s']:.2f} | {r['explain_per_1k_s']:.1f} | "
                     f"{r['explain_users']} | {_load(r)} |")
    lines += ["", "## Approximate retrieval against exact ranking (ALS)", "",
              "ALS with the hyperparameters above on the whole dataset; whole lists of 100 for 1,000 users "
              "(`whyrec.retrieval.Retriever`: faiss HNSW with the `RetrievalConfig` defaults, the history folded "
              "in, seen items excluded) against `ALS.recommend`. Latency: median of 200 lists made one at a time. "
              "`from index`: the share of lists the index filled (the rest fell back to exact ranking). The index "
              "is forced on here (`mode=on`); `auto` uses it only from `RetrievalConfig.threshold` items (50,000), "
              "since below that an exact list is as fast or faster, as the smaller sizes show.", "",
              "| size | items | index build (s) | recall@100 | from index | exact ms / list | approximate ms / list "
              "| load avg |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for size in sizes:
        r = by_key.get((size, "ann", None))
        if r is None or r["status"] != "ok" or "recall@100" not in r:
            lines.append(f"| {size} | | {r['status'] if r is not None else 'not run'} | | | | | |")
            continue
        lines.append(f"| {size} | {r['items']:,} | {r['seconds']:.1f} | {r['recall@100']:.4f} | "
                     f"{r['from_index']:.1%} | {r['exact_ms']:.2f} | {r['approx_ms']:.2f} | {_load(r)} |")
    return "\n".join(lines) + "\n"


def write_report(results: list[Record], out: Path = REPORT, plot_dir: Path | None = None) -> Path:
    """Write the markdown page and its plots (default plot folder: ``growth/`` beside the page)."""
    text = render(results, plot_dir or out.parent / "growth")
    out.write_text(text)
    return out
