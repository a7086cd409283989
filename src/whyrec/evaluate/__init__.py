"""Splits, metrics, full-ranking evaluation and paired comparison."""

from whyrec.evaluate.evaluator import EvaluationResult, Ranking, evaluate, rank_split, score_ranking
from whyrec.evaluate.metrics import DEFAULT_METRICS, METRICS, Metric
from whyrec.evaluate.splits import (
    PROTOCOL_NAME,
    FileSplit,
    GlobalTimeSplit,
    LeaveLastOutSplit,
    RandomSplit,
    Split,
    SplitProtocol,
    TemporalUserSplit,
    load_file_split,
    make_splitter,
    split_dataset,
)

__all__ = [
    "DEFAULT_METRICS",
    "METRICS",
    "PROTOCOL_NAME",
    "EvaluationResult",
    "FileSplit",
    "GlobalTimeSplit",
    "LeaveLastOutSplit",
    "Metric",
    "RandomSplit",
    "Ranking",
    "Split",
    "SplitProtocol",
    "TemporalUserSplit",
    "evaluate",
    "load_file_split",
    "make_splitter",
    "rank_split",
    "score_ranking",
    "split_dataset",
]
