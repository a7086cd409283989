"""Calibrated confidence: the probability that a recommended item is relevant, from its rank.

**Feature: rank, not score.** The calibrator is fitted on a model trained on train only and applied to the
run's model, refitted on train + valid. Raw scores do not keep their scale across that refit (they grow with
the data for EASE and ALS, and every model has its own units), whereas "the item in 3rd place" means the same
for both fits and for every model. Rank also makes confidence non-increasing down a list by construction.

**Horizon.** Relevance is only defined over a window of future interactions, and the windows differ: on
ml-100k a user has 8 validation items on average but 21 test items, so the raw hit rate at rank 1 is 0.09 on
validation and 0.24 on test. What transfers is the hit rate *per held-out interaction* (0.0116 and 0.0117 at
rank 1 for EASE). So the calibrator learns ``p(rank)``, the chance that one future interaction is the item
at that rank (isotonic regression of ``hit / H`` on rank, weighted by ``H``, the user's number of validation
items; non-increasing in rank), and the confidence for a horizon of ``H`` future interactions is
``1 - (1 - p(rank)) ** H``. ECE on test uses each test user's own number of test items as ``H``; the trust card
states its horizon (default 10: "among the next 10 picks").

**History size.** Per future interaction, light users hit more often than heavy ones (their few next items
are the popular ones a model ranks first), so one curve over-states heavy users and under-states light ones.
``p(rank)`` is therefore fitted separately in history-size strata (terciles of the validation users' number
of train items; the user's own history size picks the curve). On ml-100k this takes test ECE@10 from 0.044 to
0.006 for EASE (docs/benchmarks/calibration.md).

ECE uses 10 equal-width confidence bins: ``sum_b |B_b| / N * |mean(hit) - mean(confidence)|`` over
(user, rank) pairs of the top-k lists.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sklearn.isotonic import IsotonicRegression

from whyrec.errors import ConfigError
from whyrec.evaluate.evaluator import Ranking, rank_split
from whyrec.evaluate.metrics import hit_matrix
from whyrec.evaluate.splits import Split
from whyrec.models.base import BaseRecommender, Recommender

__all__ = ["CALIBRATION_FILE", "DEFAULT_HORIZON", "ECE_BINS", "HISTORY_STRATA", "Calibration", "RankCalibrator",
           "RankCurve", "ReliabilityBin", "calibrate", "expected_calibration_error", "fit_rank_calibrator",
           "load_calibration", "reliability", "save_calibration"]

logger = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"
DEFAULT_HORIZON = 10
"""Future interactions the trust card's confidence refers to."""
ECE_BINS = 10
HISTORY_STRATA = 3
"""History-size strata with a curve of their own (terciles)."""
_FIT_DEPTH = 100  # ranks the calibrator is fitted on (deeper ranks get the rank-100 rate)


class RankCurve(BaseModel):
    """Isotonic map from rank to the chance that one future interaction is that item.

    Attributes:
        ranks: the isotonic fit's knots (1-based ranks), ascending.
        rates: per-interaction hit rate at each knot, non-increasing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ranks: tuple[float, ...]
    rates: tuple[float, ...]

    def rate(self, ranks: np.ndarray) -> np.ndarray:
        """Per-interaction hit rate at each rank (linear between knots, flat beyond them)."""
        return np.interp(np.asarray(ranks, dtype=np.float64), self.ranks, self.rates)


class RankCalibrator(BaseModel):
    """One :class:`RankCurve` per history-size stratum.

    Attributes:
        history_edges: stratum boundaries in history items (ascending): a history of ``n`` distinct items uses
            curve ``searchsorted(history_edges, n, side="right")``.
        curves: ``len(history_edges) + 1`` curves.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    history_edges: tuple[float, ...] = ()
    curves: tuple[RankCurve, ...]

    def rate(self, ranks: np.ndarray | list[int], *, history_size: np.ndarray | int) -> np.ndarray:
        """Per-interaction hit rate at each rank, for histories of `history_size` distinct items (broadcast)."""
        ranks_arr, sizes = np.broadcast_arrays(np.asarray(ranks, dtype=np.float64),
                                               np.asarray(history_size, dtype=np.float64))
        stratum = np.searchsorted(np.asarray(self.history_edges, dtype=np.float64), sizes, side="right")
        out = np.empty(ranks_arr.shape, dtype=np.float64)
        for s, curve in enumerate(self.curves):
            mask = stratum == s
            out[mask] = curve.rate(ranks_arr[mask])
        return out

    def confidence(self, ranks: np.ndarray | list[int], *, history_size: np.ndarray | int,
                   horizon: np.ndarray | float = DEFAULT_HORIZON) -> np.ndarray:
        """P(relevant within `horizon` future interactions) at each rank: ``1 - (1 - p(rank)) ** horizon``.

        Args:
            ranks: 1-based ranks, any shape.
            history_size: distinct items in the user's history (picks the stratum), broadcast against `ranks`.
            horizon: future interactions (a number, or one per rank, broadcast).

        Example:
            >>> curve = RankCurve(ranks=(1.0, 10.0), rates=(0.02, 0.01))
            >>> RankCalibrator(curves=(curve,)).confidence([1, 10], history_size=30).round(3).tolist()
            [0.183, 0.096]
        """
        p = np.clip(self.rate(ranks, history_size=history_size), 0.0, 1.0)
        confidence: np.ndarray = 1.0 - (1.0 - p) ** np.asarray(horizon, dtype=np.float64)
        return confidence


class ReliabilityBin(BaseModel):
    """One bin of a reliability table."""

    model_config = ConfigDict(frozen=True)

    lower: float
    upper: float
    count: int
    confidence: float | None
    """Mean predicted confidence in the bin (None when empty)."""
    accuracy: float | None
    """Share of relevant items in the bin (None when empty)."""


class Calibration(BaseModel):
    """A run's calibrator, what it was fitted on, and how it did on test (``calibration.json``)."""

    model_config = ConfigDict(extra="forbid")

    calibrator: RankCalibrator
    method: Literal["isotonic"] = "isotonic"
    feature: Literal["rank"] = "rank"
    horizon: int = DEFAULT_HORIZON
    """Horizon of the confidence on trust cards."""
    run_created: str = ""
    """``meta.created`` of the run it belongs to (a retrained run needs a new calibrator)."""
    fitted_on: str = "model fitted on train, truth = validation"
    fit_pairs: int = 0
    """(user, rank) pairs the calibrator was fitted on."""
    k: int = 10
    """List length ECE is measured on."""
    ece_bins: int = ECE_BINS
    ece_test: float | None = None
    """ECE of the run's model on the test top-k lists (horizon: each user's number of test items)."""
    ece_validation: float | None = None
    """The same on the validation lists it was fitted on (an in-sample check)."""
    reliability_test: list[ReliabilityBin] = Field(default_factory=list)
    mean_confidence_test: float | None = None
    hit_rate_test: float | None = None
    """Share of relevant items in the test top-k lists."""


def expected_calibration_error(confidence: np.ndarray, hit: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE with `bins` equal-width bins on [0, 1].

    Example:
        >>> round(expected_calibration_error(np.array([0.2, 0.2, 0.9, 0.9]), np.array([0, 1, 1, 1])), 6)
        0.2
    """
    table = reliability(confidence, hit, bins)
    n = max(1, int(np.size(confidence)))
    return float(sum(b.count / n * abs(b.accuracy - b.confidence) for b in table
                     if b.accuracy is not None and b.confidence is not None))


def reliability(confidence: np.ndarray, hit: np.ndarray, bins: int = ECE_BINS) -> list[ReliabilityBin]:
    """Per equal-width bin: count, mean confidence and hit rate."""
    confidence = np.asarray(confidence, dtype=np.float64).ravel()
    hit = np.asarray(hit, dtype=np.float64).ravel()
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        out.append(ReliabilityBin(lower=float(edges[b]), upper=float(edges[b + 1]), count=count,
                                  confidence=float(confidence[mask].mean()) if count else None,
                                  accuracy=float(hit[mask].mean()) if count else None))
    return out


def _hits_and_horizons(ranking: Ranking) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(users, k) hits (NaN in empty slots), each user's number of held-out items (all of them, as in
    PROTOCOL.md) and each user's number of distinct history items."""
    hits = hit_matrix(ranking.recommendations.items, ranking.relevant).astype(np.float64)
    hits[ranking.recommendations.items < 0] = np.nan
    horizon = np.array([len(r) for r in ranking.relevant], dtype=np.float64)
    users = ranking.history.users.indices_of(list(ranking.user_ids))
    sizes = np.diff(ranking.history.interactions.indptr)[users].astype(np.float64)
    return hits, horizon, sizes


def _fit_curve(hits: np.ndarray, horizon: np.ndarray) -> RankCurve:
    ranks = np.broadcast_to(np.arange(1, hits.shape[1] + 1, dtype=np.float64), hits.shape)
    weights = np.broadcast_to(horizon[:, None], hits.shape)
    keep = np.isfinite(hits) & (weights > 0)
    iso = IsotonicRegression(increasing=False, y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(ranks[keep], hits[keep] / weights[keep], sample_weight=weights[keep])
    return RankCurve(ranks=tuple(float(x) for x in iso.X_thresholds_), rates=tuple(float(y) for y in iso.y_thresholds_))


def fit_rank_calibrator(ranking: Ranking, *, depth: int = _FIT_DEPTH, strata: int = HISTORY_STRATA) -> RankCalibrator:
    """Fit p(rank) per history-size stratum on a validation ranking (made by a model fitted on train only).

    Args:
        ranking: top lists of a train-only model with the validation items as truth (``rank_split(...,
            target="validation")``).
        depth: ranks used (the first `depth` of each list).
        strata: history-size strata (quantiles of the ranking's users' history sizes; 1 = a single curve).
    """
    hits, horizon, sizes = _hits_and_horizons(ranking)
    hits = hits[:, :depth]
    edges: np.ndarray | list[float] = (np.unique(np.quantile(sizes, np.linspace(0, 1, strata + 1)[1:-1]))
                                       if strata > 1 and len(sizes) else [])
    stratum = np.searchsorted(edges, sizes, side="right")
    overall = _fit_curve(hits, horizon)
    curves = tuple(_fit_curve(hits[stratum == s], horizon[stratum == s]) if (stratum == s).any() else overall
                   for s in range(len(edges) + 1))
    return RankCalibrator(history_edges=tuple(float(e) for e in edges), curves=curves)


def _ece_of(calibrator: RankCalibrator, ranking: Ranking, k: int) -> tuple[float, list[ReliabilityBin], float, float]:
    hits, horizon, sizes = _hits_and_horizons(ranking)
    hits = hits[:, :k]
    ranks = np.broadcast_to(np.arange(1, hits.shape[1] + 1), hits.shape)
    confidence = calibrator.confidence(ranks, history_size=sizes[:, None], horizon=horizon[:, None])
    keep = np.isfinite(hits)
    return (expected_calibration_error(confidence[keep], hits[keep]), reliability(confidence[keep], hits[keep]),
            float(confidence[keep].mean()), float(hits[keep].mean()))


def calibrate(model: Recommender, split: Split, *, train_model: Recommender | None = None, k: int = 10,
              strata: int = HISTORY_STRATA, run_created: str = "") -> Calibration:
    """Fit a rank calibrator on validation with a train-only model; measure its ECE on test with `model`.

    Args:
        model: the run's model, fitted on train + valid (its test ranking is scored).
        split: the run's split.
        train_model: the same model fitted on train only (default: refit `model`'s class and config on train).
        k: list length ECE is measured on.
        strata: history-size strata of the calibrator (1 = one curve for everybody).
        run_created: the run's ``meta.created``, recorded to detect stale calibrators.

    Raises:
        ConfigError: `train_model` is missing and `model` cannot be refitted from its config.
    """
    if train_model is None:
        if not isinstance(model, BaseRecommender):
            raise ConfigError(f"cannot refit {type(model).__name__} on train; pass train_model.", field="model")
        train_model = type(model)(model.config).fit(split.train)
    valid = rank_split(train_model, split, k=max(k, _FIT_DEPTH), target="validation")
    calibrator = fit_rank_calibrator(valid, strata=strata)
    fit_pairs = int((valid.recommendations.items[:, :_FIT_DEPTH] >= 0).sum())
    ece_valid, *_ = _ece_of(calibrator, valid, k)
    test = rank_split(model, split, k=k, target="test")
    ece_test, table, mean_conf, hit_rate = _ece_of(calibrator, test, k)
    logger.info("calibrated %s: ECE@%d %.4f on test (validation %.4f)", model.name, k, ece_test, ece_valid)
    return Calibration(calibrator=calibrator, run_created=run_created, fit_pairs=fit_pairs, k=k, ece_test=ece_test,
                       ece_validation=ece_valid, reliability_test=table, mean_confidence_test=mean_conf,
                       hit_rate_test=hit_rate)


def save_calibration(run_dir: str | Path, calibration: Calibration) -> Path:
    """Write ``calibration.json`` into a run directory (atomically)."""
    path = Path(run_dir) / CALIBRATION_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(calibration.model_dump_json(indent=2) + "\n")
    os.replace(tmp, path)
    return path


def load_calibration(run_dir: str | Path, *, run_created: str | None = None) -> Calibration | None:
    """The run's calibration, or None when it has none.

    Args:
        run_dir: the run directory.
        run_created: the run's ``meta.created``; when given, a calibration fitted for another run is refused.

    Raises:
        ConfigError: the file is unreadable, or belongs to an earlier training of the run.
    """
    path = Path(run_dir) / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        data: Any = json.loads(path.read_text())
        calibration = Calibration.model_validate(data)
    except (ValidationError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: unreadable calibration: {str(e).splitlines()[0]}. Refit it with "
                          f"`whyrec calibrate {run_dir}`.", source=str(path)) from e
    if run_created is not None and calibration.run_created and calibration.run_created != run_created:
        raise ConfigError(f"{path} was fitted for the run created {calibration.run_created}, but the run was "
                          f"created {run_created}. Refit it with `whyrec calibrate {run_dir}`.", source=str(path))
    return calibration
