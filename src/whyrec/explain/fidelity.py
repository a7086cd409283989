"""How faithful an explanation is, measured by re-scoring edited histories with the model itself.

- deletion: remove the top 1..n supporting evidence items (largest positive weight first, cumulatively), re-score;
  a faithful explanation names the items whose removal hurts most. When an explanation has fewer than n
  supporting items, its curves stay flat after the last one. Reported as the mean score drop (as a share of the
  original score) and the mean rank drop at each step, and their mean over the steps (the area under the curve, "AUC").
- insertion: start from the empty history and add the top 1..n evidence items; report the share of the
  original score recovered and whether the item is back in the top k.
- sufficiency: the top n evidence items alone keep the item in the top k.
- retrain validity (`retrain_check`, the ACCENT protocol of Tran, Ghazimatin & Saha Roy, SIGIR 2021): delete
  the user's interactions with a counterfactual's items from the training data, refit from scratch (one seed,
  or the mean score of several), and check that the item leaves the top k.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.explain.base import excluded_mask, rank_in
from whyrec.explain.explanation import EvidenceKind, Explanation
from whyrec.explain.text.realize import attribute_counts
from whyrec.models.base import Recommender
from whyrec.models.retraining import without_user_items

__all__ = ["FidelityResult", "RetrainCheck", "attribute_truthful", "measure_fidelity", "retrain_check", "top3_jaccard"]


@dataclass
class FidelityResult:
    """Fidelity of one explanation.

    Attributes:
        deletion_score_drop: per step s = 1..n, (score - score without top-s evidence) / |score|.
        deletion_rank_drop: per step, new rank - old rank (the rank of an unrankable item counts as the
            number of candidates).
        insertion_score: per step, score with only the top-s evidence / score.
        insertion_in_top_k: per step, whether the item is in the top k with only the top-s evidence.
        sufficient: the top-n evidence alone keeps the item in the top k.
    """

    deletion_score_drop: list[float] = field(default_factory=list)
    deletion_rank_drop: list[float] = field(default_factory=list)
    insertion_score: list[float] = field(default_factory=list)
    insertion_in_top_k: list[bool] = field(default_factory=list)
    sufficient: bool = False

    @property
    def deletion_auc(self) -> float:
        """Mean relative score drop over the deletion steps (higher = more faithful)."""
        return float(np.mean(self.deletion_score_drop)) if self.deletion_score_drop else 0.0

    @property
    def deletion_rank_auc(self) -> float:
        """Mean rank drop over the deletion steps (higher = more faithful)."""
        return float(np.mean(self.deletion_rank_drop)) if self.deletion_rank_drop else 0.0

    @property
    def insertion_auc(self) -> float:
        """Mean share of the score recovered over the insertion steps (higher = more faithful)."""
        return float(np.mean(self.insertion_score)) if self.insertion_score else 0.0


def measure_fidelity(model: Recommender, dataset: Dataset, history: History, explanation: Explanation, *,
                     k: int = 10, steps: int = 5, candidates: np.ndarray | None = None) -> FidelityResult:
    """Deletion, insertion and sufficiency of one explanation's history-item evidence."""
    item = dataset.items.index_of(explanation.item_id)
    # the claim "these items support the recommendation": strongest positive evidence first
    supporting = sorted((e for e in explanation.evidence if e.kind == EvidenceKind.HISTORY_ITEM and e.weight > 0),
                        key=lambda e: -e.weight)
    refs = [e.ref for e in supporting][:steps]
    evidence = [int(i) for i in dataset.items.indices_of(refs)]
    result = FidelityResult()
    if not evidence:
        return result
    n_candidates = dataset.n_items if candidates is None else len(candidates)
    deleted = [history.without(evidence[: s + 1]) for s in range(len(evidence))]
    keep_mask = [np.isin(history.items, evidence[: s + 1]) for s in range(len(evidence))]
    inserted = [History(history.items[m], history.weights[m], None, history.user_id) for m in keep_mask]
    edits = [history, *deleted, *inserted]
    scores = model.score(HistoryBatch.from_histories(edits, dataset.n_items))
    ranks = [rank_in(row, item, excluded_mask(dataset.n_items, h.items, candidates)) for row, h in zip(scores, edits,
                                                                                                        strict=True)]
    base_score = float(scores[0, item])
    base_rank = ranks[0] or n_candidates
    denom = abs(base_score) if base_score else 1.0
    n = len(evidence)
    for s in range(n):
        result.deletion_score_drop.append((base_score - float(scores[1 + s, item])) / denom)
        result.deletion_rank_drop.append(float((ranks[1 + s] or n_candidates) - base_rank))
        result.insertion_score.append(float(scores[1 + n + s, item]) / denom)
        rank = ranks[1 + n + s]
        result.insertion_in_top_k.append(rank is not None and rank <= k)
    # an explanation with fewer supporting items than steps has nothing more to remove: its curve stays flat,
    # so every method is averaged over the same number of steps
    curves: tuple[list[Any], ...] = (result.deletion_score_drop, result.deletion_rank_drop, result.insertion_score,
                                     result.insertion_in_top_k)
    for curve in curves:
        curve.extend([curve[-1]] * (steps - n))
    result.sufficient = result.insertion_in_top_k[-1]
    return result


def attribute_truthful(dataset: Dataset, history: History, explanation: Explanation) -> bool | None:
    """Whether every attribute reason is true of the recommended item and of the history (None: no such reason).

    True when each ``attribute=value`` evidence is a value the recommended item has, and its "(n of your m
    items)" count is the number of distinct history items with that value out of the distinct history items.
    """
    cited = [x for x in explanation.evidence if x.kind == EvidenceKind.ATTRIBUTE]
    if not cited:
        return None
    table = dataset.catalog.attributes
    item = dataset.items.index_of(explanation.item_id)
    owned = np.unique(history.items).tolist()
    for evidence in cited:
        attribute, _, value = evidence.ref.partition("=")
        if attribute not in table.categorical and attribute not in table.numeric:
            return False
        if value not in table.values(attribute, item):
            return False
        counted = attribute_counts(evidence)
        if counted is not None and counted != (sum(value in table.values(attribute, h) for h in owned), len(owned)):
            return False
    return True


def top3_jaccard(a: Explanation, b: Explanation) -> float:
    """Jaccard overlap of the top-3 evidence refs of two explanations of the same pair."""
    sa = {e.ref for e in a.evidence[:3]}
    sb = {e.ref for e in b.evidence[:3]}
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0



@dataclass(frozen=True)
class RetrainCheck:
    """One counterfactual checked by refitting (the ACCENT protocol).

    Attributes:
        held: the item left the top k of the refitted model (the mean score over the seeds).
        rescore_held: it left the top k when the original model re-scored the edited history.
        new_rank: its rank under the refitted scores (None when it cannot be ranked).
        refits: models fitted from scratch for this check.
    """

    held: bool
    rescore_held: bool
    new_rank: int | None
    refits: int


def retrain_check(model: Recommender, dataset: Dataset, history: History, item: int, removed: Iterable[int], *,
                  k: int = 10, candidates: np.ndarray | None = None,
                  seeds: Sequence[int | None] = (None,)) -> RetrainCheck:
    """Delete the user's interactions with `removed` from `dataset`, refit `model` from scratch, rank `item`.

    Args:
        model: the fitted model (its class and config are refitted; ``seed`` replaced by each of `seeds`).
        dataset: the data it was fitted on.
        history: the user's history (``user_id`` names the user whose events are deleted; none are for a
            shopper not in `dataset`).
        item: the explained item.
        removed: the counterfactual's items.
        k: the list length the item must leave.
        candidates: the items that may be recommended.
        seeds: one refit per seed, their scores averaged (None keeps the model's own seed).
    """
    removed = [int(i) for i in removed]
    known = history.user_id is not None and history.user_id in dataset.users
    # a shopper the model was not fitted on has no interactions to delete: the refit sees the same data
    edited_data = without_user_items(dataset, str(history.user_id), removed) if known else dataset
    edited = HistoryBatch.from_histories([history.without(removed)], dataset.n_items)
    scores = []
    for seed in seeds:
        config = model.config if seed is None else model.config.model_copy(update={"seed": seed})
        refit = type(model)(config)  # type: ignore[call-arg]  # every model is built from its config
        scores.append(refit.fit(edited_data).score(edited)[0].astype(np.float64))
    excluded = excluded_mask(dataset.n_items, edited[0].items, candidates)
    rank = rank_in(np.mean(scores, axis=0), item, excluded)
    rescored = rank_in(model.score(edited)[0], item, excluded)
    return RetrainCheck(held=rank is None or rank > k, rescore_held=rescored is None or rescored > k, new_rank=rank,
                        refits=len(scores))
