"""The growth benchmark (benchmarks/growth.py) end to end on two tiny synthetic shops: measure, refuse, report."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
growth: Any = importlib.import_module("growth")
growth_report: Any = importlib.import_module("growth_report")

SIZES = ("5k", "10k")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("growth")
    path = root / "results.json"
    records: list[dict[str, Any]] = []
    for size in SIZES:
        growth.generate_files(size, root)
        base = {"size": size, "events_asked": growth.parse_events(size), "command": "pytest", "when": "now",
                "load": [0.0, 0.0], "status": "ok"}
        records = growth.append(path, {**base, "what": "load", "model": None, **growth.measure_load(size, root)})
        for model in ("pop", "als"):
            fit = growth.measure_fit(size, model, root)
            records = growth.append(path, {**base, "what": "fit", "model": model, **fit})
    return path, records


def test_measurements_follow_the_data(results: tuple[Path, list[dict[str, Any]]]) -> None:
    path, records = results
    assert json.loads(path.read_text()) == records
    loads = [r for r in records if r["what"] == "load"]
    assert [r["size"] for r in loads] == list(SIZES)
    assert loads[1]["events"] > 1.8 * loads[0]["events"]  # 10k events asked, about twice the 5k
    assert loads[1]["users"] == growth.shape(10_000)[0]
    assert all(r["seconds"] > 0 and r["peak_rss"] > 0 for r in records)
    # measuring the same thing again replaces the record instead of adding one
    again = growth.append(path, {**loads[0], "seconds": 1.0})
    assert len(again) == len(records) and [r for r in again if r["what"] == "load"][-1]["seconds"] == 1.0


def test_estimates_refuse_what_does_not_fit(results: tuple[Path, list[dict[str, Any]]]) -> None:
    _, records = results
    # EASE's own estimate: its dense 200 x 200 inverse is over a 1 kB budget
    assert growth.feasibility("10k", "ease", records, 600.0, 1_000).startswith("not feasible: memory (estimate")
    # ALS has no estimate of its own: grown from the measured fits on fewer events
    seconds, peak = growth_report.estimate_from(records, "als", 100_000)
    largest = max((r for r in records if r["model"] == "als"), key=lambda r: r["events"])
    assert seconds >= largest["seconds"] * 100_000 / largest["events"] * 0.999
    assert peak == pytest.approx(largest["peak_rss"] * 100_000 / largest["events"])
    assert growth.feasibility("100k", "als", records, seconds / 2, 10**15).startswith("not feasible: time")
    assert growth.feasibility("100k", "als", records, seconds * 2, 10**15) is None
    assert growth_report.estimate_from(records, "bpr", 100_000) == (None, None)
    # a model stopped at its time limit on fewer events is not tried on more
    killed = {"size": "5k", "events_asked": 5_000, "what": "fit", "model": "bpr", "status": "not done within 1 s"}
    assert growth.feasibility("10k", "bpr", [*records, killed], 600.0, 10**15) == (
        "not feasible: time (at 5k already not done within 1 s)")


def test_report_has_tables_plots_and_exponents(results: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    _, records = results
    refused = {"size": "20k", "events_asked": 20_000, "command": "pytest", "when": "now", "load": [0.0, 0.0],
               "what": "fit", "model": "als", "status": "not feasible: time (estimate 9 s / limit 1 s)"}
    out = growth_report.write_report([*records, refused], tmp_path / "growth.md")
    text = out.read_text()
    for name in ("time.png", "memory.png"):
        assert (tmp_path / "growth" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    als = sorted((r for r in records if r["model"] == "als"), key=lambda r: r["events"])
    slope = growth_report.exponent([r["events"] for r in als], [r["seconds"] for r in als])
    row = next(line for line in text.splitlines() if line.startswith("| als |"))
    assert f"| {slope:.2f} |" in row and "not feasible: time (estimate 9 s / limit 1 s)" in row
    assert "- **als**: from 20k: not feasible: time" in text
    assert "- **pop**: feasible at every size measured" in text


def test_approximate_lists_are_measured_against_exact_ones(results: tuple[Path, list[dict[str, Any]]],
                                                           tmp_path: Path) -> None:
    path, records = results
    root = path.parent
    ann = growth.measure_ann("10k", root)
    assert ann["users_compared"] == growth.shape(10_000)[0]  # fewer users than ANN_USERS: every one
    assert 0.9 <= ann["recall@100"] <= 1.0 and 0.0 <= ann["from_index"] <= 1.0
    assert ann["seconds"] > 0 and ann["exact_ms"] > 0 and ann["approx_ms"] > 0
    record = {"size": "10k", "events_asked": 10_000, "command": "pytest", "when": "now", "load": [0.0, 0.0],
              "status": "ok", "what": "ann", "model": None, **ann}
    text = growth_report.write_report([*records, record], tmp_path / "growth.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| 10k |") and "%" in line)
    assert f"| {ann['recall@100']:.4f} |" in row
    assert "| 5k | | not run | | | | | |" in text  # the size without an ann record
