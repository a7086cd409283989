"""Size and load time of a self-contained run: ``python benchmarks/run_size.py`` (ml-100k, EASE).

The numbers are quoted in docs/concepts/runs.md.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from whyrec.data.loading import DataSource
from whyrec.runs import load_run


def main() -> None:
    root = Path(tempfile.mkdtemp())
    run_dir = root / "ease"
    try:
        subprocess.run([sys.executable, "-m", "whyrec.cli.main", "train", "--data", "ml-100k", "--model", "ease",
                        "--out", str(run_dir), "--json"], check=True, capture_output=True)
        for path in sorted(run_dir.rglob("*")):
            if path.is_file():
                print(f"{path.relative_to(run_dir)}: {path.stat().st_size / 1024:,.0f} KiB")
        for _ in range(3):
            started = time.perf_counter()
            _ = load_run(run_dir).fit_data
            print(f"load_run + fit_data: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        DataSource(source="ml-100k").load()
        print(f"ml-100k from its source: {time.perf_counter() - started:.2f} s")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
