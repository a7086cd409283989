"""The fit estimate (EASE), the memory budget and the plain progress lines, on generated shop data."""

from __future__ import annotations

import tracemalloc

import pytest

from whyrec import progress
from whyrec.data.dataset import Dataset
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError
from whyrec.models import create_model
from whyrec.resources import check_fit, format_size, parse_size


@pytest.fixture(scope="module")
def shop() -> Dataset:
    return DataSource(source="synthetic", synthetic_events=60_000, seed=3).load()[0]


def test_the_ease_estimate_matches_the_measured_peak_memory(shop: Dataset) -> None:
    model = create_model("ease")
    estimate = model.fit_estimate(shop.n_items)
    tracemalloc.start()  # numpy reports its buffers to tracemalloc
    try:
        model.fit(shop)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert shop.n_items == estimate.n_items == 600
    assert 0.9 * peak <= estimate.peak_bytes <= 1.5 * peak, (peak, estimate)
    assert estimate.seconds > 0
    # memory grows with the square of the catalog, time with the cube (within one precision: from 5,000 items
    # EASE inverts one float32 matrix in place, counted as two float32 arrays instead of four float64 ones)
    bigger = model.fit_estimate(8 * shop.n_items)
    assert bigger.peak_bytes == 64 * estimate.peak_bytes
    assert bigger.seconds == pytest.approx(512 * estimate.seconds)
    assert model.fit_estimate(10 * shop.n_items).peak_bytes == 2 * 4 * (10 * shop.n_items) ** 2


def test_a_fit_over_the_budget_is_refused_and_one_within_is_announced(shop: Dataset) -> None:
    lines: list[str] = []
    progress.set_reporter(progress.LogReporter(write=lines.append))
    try:
        model = create_model("ease")
        need = model.fit_estimate(shop.n_items).peak_bytes
        with pytest.raises(ConfigError, match=r"over the memory budget of .*use --model als or --model itemknn"):
            check_fit(model, shop.n_items, need - 1)
        assert lines == []
        assert check_fit(model, shop.n_items, need) is not None
        assert check_fit(create_model("itemknn"), shop.n_items, 1) is None  # sparse: nothing to check
    finally:
        progress.set_reporter(None)
    assert len(lines) == 1 and lines[0].startswith("whyrec: EASE on 600 items: about 11.5 MB peak memory")


@pytest.mark.parametrize(("text", "size"), [("3GB", 3 * 10**9), ("512mb", 512 * 10**6), ("1.5G", 1_500_000_000),
                                            ("8GiB", 8 * 2**30), ("1000", 1000), (" 2 TB ", 2 * 10**12)])
def test_sizes_read_as_the_budget_flag_takes_them(text: str, size: int) -> None:
    assert parse_size(text) == size
    assert parse_size(format_size(size).replace(" ", "")) == pytest.approx(size, rel=0.05)


@pytest.mark.parametrize("text", ["", "lots", "3 parsecs", "-1GB"])
def test_a_bad_size_names_the_flag_and_examples(text: str) -> None:
    with pytest.raises(ConfigError, match=r"--memory-budget .*expected a size such as 3GB"):
        parse_size(text)


def test_log_lines_give_stage_size_note_and_nothing_for_a_failed_stage() -> None:
    lines: list[str] = []
    progress.set_reporter(progress.LogReporter(write=lines.append, interval_s=0.0))
    try:
        with progress.task("Ranking 3 users", total=3) as bar:
            bar.advance(2)
            bar.note("valid NDCG 0.0412")
        with pytest.raises(ValueError), progress.task("Fitting ease"):
            raise ValueError("boom")
    finally:
        progress.set_reporter(None)
    assert lines[0].startswith("whyrec: Ranking 3 users ... 2/3 after ")  # a long stage says where it is
    assert lines[-1].startswith("whyrec: Ranking 3 users done in ")
    assert lines[-1].endswith(" s (2/3; valid NDCG 0.0412)")
    assert not any("Fitting ease" in line for line in lines)


def test_hybrid_is_checked_by_its_collaborative_part(shop: Dataset) -> None:
    hybrid = create_model("hybrid")  # EASE by default
    assert hybrid.fit_estimate(shop.n_items) == create_model("ease").fit_estimate(shop.n_items)
    with pytest.raises(ConfigError, match="use --param collaborative=als or collaborative=itemknn"):
        check_fit(hybrid, shop.n_items, 1)
    assert check_fit(create_model("hybrid", collaborative="itemknn"), shop.n_items, 1) is None
