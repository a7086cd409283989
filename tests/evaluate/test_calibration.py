"""Rank calibration on ml-100k: fitted on validation with a train-only model, measured on test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from whyrec.errors import ConfigError
from whyrec.evaluate import Split, rank_split
from whyrec.evaluate.calibration import (
    CALIBRATION_FILE,
    Calibration,
    RankCalibrator,
    RankCurve,
    calibrate,
    expected_calibration_error,
    fit_rank_calibrator,
    load_calibration,
    reliability,
)
from whyrec.evaluate.metrics import hit_matrix
from whyrec.models import EASE


def test_ece_of_a_hand_computed_case() -> None:
    confidence = np.array([0.05, 0.15, 0.15, 0.95])
    hit = np.array([0, 1, 0, 1])
    # bins: [0, .1) -> |0 - .05|, [.1, .2) -> |.5 - .15| twice, [.9, 1] -> |1 - .95|
    assert expected_calibration_error(confidence, hit) == pytest.approx((0.05 + 2 * 0.35 + 0.05) / 4, abs=1e-12)
    grid = expected_calibration_error(confidence.reshape(2, 2), hit.reshape(2, 2))
    assert grid == pytest.approx(expected_calibration_error(confidence, hit))  # (users, ranks) arrays count every cell
    table = reliability(confidence, hit)
    assert [b.count for b in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert table[2].confidence is None and table[1].accuracy == pytest.approx(0.5)


def test_ece_is_small_when_calibrated_and_equals_a_constant_shift() -> None:
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.0, 0.6, 200_000)
    hit = rng.random(200_000) < confidence
    assert expected_calibration_error(confidence, hit) < 0.01
    assert expected_calibration_error(confidence + 0.3, hit) == pytest.approx(0.3, abs=0.01)


def test_confidence_is_non_increasing_in_rank_and_grows_with_horizon() -> None:
    light = RankCurve(ranks=(1.0, 5.0, 20.0), rates=(0.02, 0.01, 0.004))
    heavy = RankCurve(ranks=(1.0, 20.0), rates=(0.01, 0.002))
    cal = RankCalibrator(history_edges=(50.0,), curves=(light, heavy))
    conf = cal.confidence(np.arange(1, 101), history_size=10)
    assert np.all(np.diff(conf) <= 0) and conf[0] == pytest.approx(1 - 0.98 ** 10)
    assert cal.confidence([1], history_size=50)[0] == pytest.approx(1 - 0.99 ** 10)  # the edge opens stratum 1
    assert cal.confidence([3], history_size=10, horizon=20)[0] > cal.confidence([3], history_size=10, horizon=5)[0]
    per_user = cal.confidence(np.array([[1, 2], [1, 2]]), history_size=np.array([[10], [80]]))
    assert per_user[0, 0] > per_user[1, 0] and np.all(np.diff(per_user, axis=1) <= 0)


@pytest.fixture(scope="module")
def models(ml100k_split: Split) -> tuple[EASE, EASE]:
    return EASE().fit(ml100k_split.train), EASE().fit(ml100k_split.fit)


@pytest.fixture(scope="module")
def calibration(ml100k_split: Split, models: tuple[EASE, EASE]) -> Calibration:
    train_model, final = models
    return calibrate(final, ml100k_split, train_model=train_model, k=10, run_created="2026-01-01T00:00:00+00:00")


def test_ease_calibrated_on_validation_is_calibrated_on_test(calibration: Calibration) -> None:
    assert calibration.ece_bins == 10 and calibration.k == 10
    assert calibration.ece_test < 0.02
    assert abs(calibration.mean_confidence_test - calibration.hit_rate_test) < 0.01
    assert sum(b.count for b in calibration.reliability_test) == 943 * 10
    assert len(calibration.calibrator.curves) == 3 and len(calibration.calibrator.history_edges) == 2
    for curve in calibration.calibrator.curves:
        rates = np.array(curve.rates)
        assert np.all(np.diff(rates) <= 0) and rates[0] > 2 * rates[-1]
    light, _, heavy = calibration.calibrator.curves
    assert light.rate(np.array([1.0]))[0] > heavy.rate(np.array([1.0]))[0]  # light users' next picks are easier


def test_history_strata_beat_one_curve(ml100k_split: Split, models: tuple[EASE, EASE],
                                       calibration: Calibration) -> None:
    one = calibrate(models[1], ml100k_split, train_model=models[0], k=10, strata=1)
    assert len(one.calibrator.curves) == 1
    assert calibration.ece_test < 0.5 * one.ece_test


def test_the_horizon_correction_beats_the_raw_validation_hit_rate(ml100k_split: Split, models: tuple[EASE, EASE],
                                                                  calibration: Calibration) -> None:
    """Validation windows are shorter than test windows: the raw hit rate per rank under-predicts test."""
    train_model, final = models
    valid = rank_split(train_model, ml100k_split, k=10, target="validation")
    raw = hit_matrix(valid.recommendations.items, valid.relevant).mean(0)  # P(hit | rank) on validation
    test = rank_split(final, ml100k_split, k=10, target="test")
    hits = hit_matrix(test.recommendations.items, test.relevant)
    naive = expected_calibration_error(np.broadcast_to(raw, hits.shape), hits)
    assert raw.mean() < 0.6 * hits.mean()  # 8 validation items per user against 21 test items
    assert naive > 1.5 * calibration.ece_test


def test_fit_uses_only_the_ranking_given(ml100k_split: Split, models: tuple[EASE, EASE]) -> None:
    valid = rank_split(models[0], ml100k_split, k=30, target="validation")
    (curve,) = fit_rank_calibrator(valid, strata=1).curves
    hits = hit_matrix(valid.recommendations.items, valid.relevant)
    horizon = np.array([len(r) for r in valid.relevant], dtype=float)
    pooled = hits.sum() / (horizon.sum() * 30)  # the weighted mean rate over all ranks
    assert min(curve.rates) <= pooled <= max(curve.rates)
    assert max(curve.ranks) <= 30


def test_calibration_round_trips_beside_meta_json_and_refuses_another_run(tmp_path: Path,
                                                                          calibration: Calibration) -> None:
    from whyrec.evaluate.calibration import save_calibration

    assert load_calibration(tmp_path) is None
    path = save_calibration(tmp_path, calibration)
    assert path == tmp_path / CALIBRATION_FILE and json.loads(path.read_text())["ece_bins"] == 10
    loaded = load_calibration(tmp_path, run_created=calibration.run_created)
    assert loaded == calibration
    with pytest.raises(ConfigError, match="whyrec calibrate"):
        load_calibration(tmp_path, run_created="2027-01-01T00:00:00+00:00")
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="unreadable calibration"):
        load_calibration(tmp_path)
    shutil.rmtree(tmp_path)
