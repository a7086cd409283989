"""Splits, metrics, full-ranking evaluation and paired comparison."""

from whyrec.evaluate.evaluator import EvaluationResult, Ranking, evaluate, rank_split, score_ranking
from whyrec.evaluate.metrics import DEFAULT_METRICS, METRICS, Metric
from whyrec.evaluate.splits import (
    PROTOCOL_NAME,
    GlobalTimeSplit,
    LeaveLastOutSplit,
    RandomSplit,
    Split,
    SplitProtocol,
    TemporalUserSplit,
    make_splitter,
    split_dataset,
)

__all__ = [
    "DEFAULT_METRICS",
    "METRICS",
    "PROTOCOL_NAME",
    "EvaluationResult",
    "GlobalTimeSplit",
    "LeaveLastOutSplit",
    "Metric",
    "RandomSplit",
    "Ranking",
    "Split",
    "SplitProtocol",
    "TemporalUserSplit",
    "evaluate",
    "make_splitter",
    "rank_split",
    "score_ranking",
    "split_dataset",
]
