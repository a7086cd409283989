"""Approximate top-k (whyrec.retrieval, faiss HNSW) against exact ranking on a 100,000-item catalog.

Catalogs of ``--events / 10`` items (100,000 at the default 1,000,000 events): ALS fitted on
synthetic-longtail and, with ``--random``, random Gaussian factors of the same shape (no structure for the
graph to use: a hard case). For each: index build time and size; recall@10 and recall@100 of the index
search against exact inner-product top-k; per-query latency of the search alone (exact: score every item,
then top-k). For ALS also whole lists as ``whyrec recommend`` makes them (fold-in of the history, seen items
excluded; `Retriever` against `ALS.recommend`). Writes docs/benchmarks/ann.md and ann.json.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/ann.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from whyrec.data.history import HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.models import ALS
from whyrec.models.ranking import top_k
from whyrec.retrieval import ItemIndex, RetrievalConfig, Retriever, recall_at_k, run_index

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"
K = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--embedding-size", type=int, default=64)
    parser.add_argument("--queries", type=int, default=1_000, help="Lists compared for recall.")
    parser.add_argument("--latency-queries", type=int, default=200, help="Lists timed one at a time.")
    parser.add_argument("--ef-search", default="128,256,512")
    parser.add_argument("--random", action="store_true", help="Also random Gaussian factors (a second index build).")
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="Keep the indexes here and reuse them when built from the same vectors.")
    args = parser.parse_args()
    command = ("OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/ann.py "
               + " ".join(sys.argv[1:])).strip()
    efs = [int(e) for e in args.ef_search.split(",")]
    rows = []
    for catalog in (als_catalog, random_catalog) if args.random else (als_catalog,):
        row = catalog(args, efs)
        row.pop("_index")
        rows.append(row)
        write(rows, command)  # after each catalog, so a run cut short keeps what it measured


def als_catalog(args: argparse.Namespace, efs: list[int]) -> dict[str, Any]:
    started = time.perf_counter()
    dataset = DataSource(source="synthetic-longtail", synthetic_events=args.events, seed=0).load()[0]
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    model = ALS(embedding_size=args.embedding_size, epochs=10).fit(dataset)
    fit_s = time.perf_counter() - started
    print(f"ALS on {dataset.n_users:,} x {dataset.n_items:,} ({len(dataset.events):,} events): load {load_s:.0f} s, "
          f"fit {fit_s:.0f} s", flush=True)
    rng = np.random.default_rng(0)
    users = np.sort(rng.choice(dataset.active_users, min(args.queries, len(dataset.active_users)), replace=False))
    histories = dataset.histories_of(users)
    vectors = model.item_vectors()
    row = index_rows(f"ALS on synthetic-longtail ({len(dataset.events):,} events, {dataset.n_users:,} users, "
                     f"fit {fit_s:.0f} s)", vectors, model.query_vectors(histories), efs, args.latency_queries,
                     args.index_dir and args.index_dir / "als")
    index: ItemIndex = row["_index"]
    exact = model.recommend(histories, K)
    singles = [HistoryBatch.from_histories([histories[i]], dataset.n_items)
               for i in range(min(args.latency_queries, len(histories)))]
    exact_ms = latency(lambda b: model.recommend(b, K), singles)
    row["lists"] = []
    for ef in [RetrievalConfig().ef_search]:  # lists widen it to twice what they fetch: larger values change little
        retriever = Retriever(model, index, RetrievalConfig(mode="on", ef_search=ef))
        found = retriever.recommend(histories, K)
        entry = {"ef_search": ef, "recall@10": round(recall_at_k(found.items, exact.items, 10), 4),
                 "recall@100": round(recall_at_k(found.items, exact.items, K), 4),
                 "from_index": round(float(found.approximate.mean()), 3), "exact_ms": exact_ms,
                 "approx_ms": latency(lambda b, r=retriever: r.recommend(b, K), singles)}
        row["lists"].append(entry)
        print(f"  lists, ef_search {ef}: recall@100 {entry['recall@100']}, {exact_ms['median']} ms exact vs "
              f"{entry['approx_ms']['median']} ms approximate", flush=True)
    return row


def random_catalog(args: argparse.Namespace, efs: list[int]) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((args.events // 10, args.embedding_size)).astype(np.float32)
    queries = rng.standard_normal((args.queries, args.embedding_size)).astype(np.float32)
    return index_rows("random Gaussian factors (a hard case)", vectors, queries, efs, args.latency_queries,
                      args.index_dir and args.index_dir / "random")


def index_rows(name: str, vectors: np.ndarray, queries: np.ndarray, efs: list[int], n_latency: int,
               index_dir: Path | None) -> dict[str, Any]:
    """Build the index of `vectors`; recall and latency of its search against exact top-K per ef_search."""
    config = RetrievalConfig(mode="on")
    index = run_index(index_dir, vectors, m=config.m, ef_construction=config.ef_construction)
    row: dict[str, Any] = {"catalog": name, "n_items": len(vectors), "dim": vectors.shape[1],
                           "build_s": round(index.build_seconds, 1), "index_mb": round(index.nbytes / 2**20, 1),
                           "vectors_mb": round(vectors.nbytes / 2**20, 1), "_index": index, "search": []}
    if index.loaded:  # read from --index-dir: the build time is the first run's
        row["build_s"] = json.loads((index_dir / "build.json").read_text())["build_s"]  # type: ignore[operator]
    elif index_dir is not None:
        (index_dir / "build.json").write_text(json.dumps({"build_s": row["build_s"]}))
    print(f"{name}: {len(vectors):,} x {vectors.shape[1]}, index built in {row['build_s']} s, "
          f"{row['index_mb']} MB", flush=True)
    exact = top_k(queries @ vectors.T, K).items
    singles = [queries[i:i + 1] for i in range(min(n_latency, len(queries)))]
    exact_ms = latency(lambda q: top_k(q @ vectors.T, K), singles)
    for ef in efs:
        found = index.search(queries, K, ef_search=ef)
        entry = {"ef_search": ef, "recall@10": round(recall_at_k(found, exact, 10), 4),
                 "recall@100": round(recall_at_k(found, exact, K), 4), "exact_ms": exact_ms,
                 "approx_ms": latency(lambda q, e=ef: index.search(q, K, ef_search=e), singles)}
        row["search"].append(entry)
        print(f"  search, ef_search {ef}: recall@10 {entry['recall@10']}, recall@100 {entry['recall@100']}, "
              f"{exact_ms['median']} ms exact vs {entry['approx_ms']['median']} ms", flush=True)
    return row


def latency(call: Callable[[Any], object], inputs: Sequence[Any]) -> dict[str, float]:
    """Median and 95th percentile milliseconds of `call` on each input, one at a time."""
    times = []
    for x in inputs:
        started = time.perf_counter()
        call(x)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median": round(statistics.median(times), 2), "p95": round(times[int(0.95 * (len(times) - 1))], 2)}


def _table(entries: list[dict[str, Any]], extra: str) -> list[str]:
    head = f"| ef_search | recall@10 | recall@100 |{extra} ms exact (median / p95) | ms approximate (median / p95) |"
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    for e in entries:
        share = f" {e['from_index']:.1%} |" if "from_index" in e else ""
        lines.append(f"| {e['ef_search']} | {e['recall@10']:.4f} | {e['recall@100']:.4f} |{share} "
                     f"{e['exact_ms']['median']} / {e['exact_ms']['p95']} | "
                     f"{e['approx_ms']['median']} / {e['approx_ms']['p95']} |")
    return lines


def write(rows: list[dict[str, Any]], command: str) -> None:
    lines = [
        "# Approximate top-k retrieval (HNSW) against exact ranking",
        "",
        f"Generated by `{command}` on {platform.machine()} with {os.cpu_count()} CPUs, one thread (faiss and "
        "BLAS), on a machine shared with other jobs: times are indicative, recall does not depend on load. "
        f"Lists of {K}. recall@k: the share of the exact top-k found in the approximate top-k. Index: faiss "
        "`IndexHNSWFlat`, inner product, M = 32, efConstruction = 200 (the `RetrievalConfig` defaults; "
        "ef_search 256 is the default; a list search widens it to twice the number of items it fetches).",
        "",
    ]
    for r in rows:
        lines += [f"## {r['catalog']}", "",
                  f"{r['n_items']:,} items x {r['dim']} factors; index built in {r['build_s']} s, {r['index_mb']} MB "
                  f"on disk (the vectors alone: {r['vectors_mb']} MB).", "",
                  "Search alone (exact: every item scored, then top-k):", "", *_table(r["search"], ""), ""]
        if "lists" in r:
            lines += ["Whole lists (`Retriever.recommend` against `ALS.recommend`: the history folded in, seen "
                      "items excluded, over-fetch, rescoring; a list left short is ranked exactly, see "
                      "\"from the index\"):", "", *_table(r["lists"], " from the index |"), ""]
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / "ann.md").write_text("\n".join(lines))
    (DOCS / "ann.json").write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
