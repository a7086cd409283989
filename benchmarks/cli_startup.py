"""Start-up time of the ``whyrec`` command: the median of 5 runs of ``--version`` and of ``--help``.

Each run is a fresh interpreter (``python -m whyrec.cli.main FLAG``, what the ``whyrec`` script runs), timed
from spawn to exit. Also lists which heavy libraries each start-up imported (``-X importtime``).
Writes docs/benchmarks/cli_startup.md.

Run: python benchmarks/cli_startup.py [runs]
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

FLAGS = ("--version", "--help")
HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "sklearn", "torch", "shap", "lime", "optuna", "fastapi", "pydantic")
GOAL_S = 0.5  # issue 12: `whyrec --version` under half a second
OUT = Path(__file__).parents[1] / "docs" / "benchmarks" / "cli_startup.md"


def run_once(flag: str) -> tuple[float, float]:
    """Seconds from spawning ``python -m whyrec.cli.main FLAG`` to its exit, and the CPU seconds it used."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "whyrec.cli.main", flag], check=True, capture_output=True)
    return time.perf_counter() - started, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def heavy_imports(flag: str) -> list[str]:
    """The libraries of `HEAVY` that one start-up imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "whyrec.cli.main", flag], check=True,
                          capture_output=True, text=True)
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return [name for name in HEAVY if name in names]


def python_alone(runs: int) -> float:
    """Median seconds of ``python -c pass``: the part of each start-up that is the interpreter's own."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    run_once("--version")  # warm the file cache and the .pyc files once
    rows = []
    for flag in FLAGS:
        walls, cpus = zip(*(run_once(flag) for _ in range(runs)), strict=True)
        rows.append((flag, statistics.median(walls), min(walls), max(walls), statistics.median(cpus),
                     heavy_imports(flag)))
    bare = python_alone(runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    version_s = rows[0][1]
    lines = [
        "# CLI start-up",
        "",
        "Command: `python benchmarks/cli_startup.py` (from the repository root, in the project's environment).",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average {load:.1f} when measured.",
        "",
        f"Each figure is the median of {runs} fresh processes running `python -m whyrec.cli.main FLAG` (what the",
        "`whyrec` script runs), from spawn to exit; CPU is the user + system time of that process, which",
        "depends less on what else the machine is doing.",
        "",
        "| command | median | min | max | median CPU | heavy libraries imported |",
        "|---|---:|---:|---:|---:|---|",
        *(f"| `whyrec {flag}` | {median:.3f} s | {low:.3f} s | {high:.3f} s | {cpu:.3f} s | "
          f"{', '.join(heavy) or 'none'} |" for flag, median, low, high, cpu, heavy in rows),
        f"| `python -c pass` (the interpreter alone) | {bare:.3f} s | | | | |",
        "",
        f"Goal from issue 12: `whyrec --version` under {GOAL_S} s: {'met' if version_s < GOAL_S else 'NOT met'} in "
        f"wall time at this load; it uses {rows[0][4]:.2f} s of CPU, which is about its wall time on an idle machine.",
        "Before issue 12 the command imported every subcommand, and with them pandas, SciPy and scikit-learn,",
        "at start: 2.6 s for `whyrec` alone on a quiet machine. A command now imports what it needs when it",
        "runs (`whyrec.cli.main.COMMANDS`).",
        "",
    ]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
