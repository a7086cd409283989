"""Load a 10-million-event synthetic CSV and report wall time and peak memory.

The files are generated once into <cache>/synthetic-<n_events> (skipped when present). Generation and
loading each run in a fresh child process, so each peak resident memory (``ru_maxrss``) is measured alone.
Writes docs/benchmarks/data_load.md.

Run: python benchmarks/load_10m.py [n_events]
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

GENERATE = r"""
import json, resource, sys, time
from pathlib import Path
from whyrec.data.builtin.synthetic import SyntheticConfig, write_synthetic
started = time.perf_counter()
write_synthetic(SyntheticConfig(n_events=int(sys.argv[1]), seed=0), Path(sys.argv[2]))
print(json.dumps({"generate_s": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

LOAD = r"""
import json, resource, sys, time
started = time.perf_counter()
from whyrec import load_dataset
dataset, report = load_dataset(sys.argv[1], catalog=sys.argv[2])
loaded = time.perf_counter() - started
m = dataset.interactions
indptr = dataset.user_indptr
total = time.perf_counter() - started
print(json.dumps({"load_s": loaded, "total_s": total, "rows_read": report.rows_read, "events": len(dataset.events),
                  "users": dataset.n_users, "items": dataset.n_items, "pairs": int(m.nnz),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict[str, float]:
    """Run `code` in a fresh interpreter and return the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"child failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    from whyrec.data.builtin.ml100k import cache_root

    n_events = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    folder = cache_root() / f"synthetic-{n_events}"
    events, catalog, made = folder / "events.csv", folder / "catalog.csv", folder / "generation.json"
    if not (events.exists() and catalog.exists() and made.exists()):
        print(f"generating {n_events:,} events into {folder} ...", flush=True)
        made.parent.mkdir(parents=True, exist_ok=True)
        made.write_text(json.dumps(child(GENERATE, str(n_events), str(folder))))
    generation = json.loads(made.read_text())
    print("loading in a fresh process ...", flush=True)
    result = child(LOAD, str(events), str(catalog))

    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    size_mib = events.stat().st_size / 2**20
    lines = [
        f"# Loading {n_events / 1e6:g} million events",
        "",
        "Command: `python benchmarks/load_10m.py` (from the repository root, in the project's environment).",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (`nproc`), {ram_gib:.0f} GiB RAM, "
        f"Python {platform.python_version()}.",
        "",
        f"Input: a synthetic events CSV (`whyrec.data.builtin.synthetic`, seed 0; {result['rows_read']:,} rows, "
        f"{size_mib:,.0f} MiB) plus its catalog.",
        "Each step runs in a fresh process; peak memory is that process's peak resident set size (`ru_maxrss`).",
        "",
        "| what | value |",
        "|---|---:|",
        f"| `load_dataset(events.csv, catalog=catalog.csv)` (read, validate, build) | {result['load_s']:.1f} s |",
        f"| the same plus `dataset.interactions` (CSR) and `dataset.user_indptr` | {result['total_s']:.1f} s |",
        f"| **peak resident memory of the loading process** | **{result['peak_mb']:,.0f} MB** |",
        f"| events kept / users / items / distinct user-item pairs | {result['events']:,} / {result['users']:,} / "
        f"{result['items']:,} / {result['pairs']:,} |",
        f"| generating and writing the files (`write_synthetic`), once | {generation['generate_s']:.1f} s, "
        f"peak {generation['peak_mb']:,.0f} MB |",
        "",
        "Goal from the Foundation issue: under 2 GB peak memory "
        f"({'met' if result['peak_mb'] < 2000 else 'NOT met'}).",
    ]
    out = Path("docs/benchmarks/data_load.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
