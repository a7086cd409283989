"""The trust card: how much to trust each recommendation, and the list as a whole.

Per item (:class:`~whyrec.explain.explanation.Trust`): a calibrated confidence (see
:mod:`whyrec.evaluate.calibration`), how much of the score the top three pieces of evidence carry, and whether
a counterfactual was verified (re-scored or retrained). Per list (:class:`ListTrust`): diversity, novelty and the share
of popular items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from whyrec.data.dataset import Dataset
from whyrec.evaluate.beyond import intra_list_diversity, novelty
from whyrec.evaluate.calibration import DEFAULT_HORIZON, RankCalibrator
from whyrec.explain.explanation import Explanation, Trust

__all__ = ["POPULAR_SHARE", "TOP_EVIDENCE", "ListTrust", "evidence_strength", "list_trust", "popular_items",
           "trust_of", "with_trust"]

TOP_EVIDENCE = 3
"""Evidence entries counted by :func:`evidence_strength`."""
POPULAR_SHARE = 0.10
"""An item is popular when it is among the top 10% of the fit data's items by number of interacting users."""


def evidence_strength(explanation: Explanation, top: int = TOP_EVIDENCE) -> float:
    """The summed shares of the `top` supporting evidence entries (largest positive weight first).

    These are the shares the card shows on its first rows (evidence is listed strongest support first), so
    the strength is those numbers added up, never clipped: above 1 when entries further down count against
    the item (their shares are negative), 0 when nothing supports it or the score is 0.

    Example:
        >>> from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod
        >>> ev = [Evidence(kind=EvidenceKind.HISTORY_ITEM, ref=str(i), label=str(i), weight=w, share=w / 2.0)
        ...       for i, w in enumerate([0.8, -0.2, 0.5, 0.1])]
        >>> e = Explanation(user_id="u", item_id="i", score=2.0, rank=1, model="ease",
        ...                 method=ExplainMethod.EXACT, evidence=tuple(ev))
        >>> round(evidence_strength(e), 6)
        0.7
    """
    support = sorted((x for x in explanation.evidence if x.weight > 0 and math.isfinite(x.share)),
                     key=lambda x: -x.weight)[:top]
    return float(max(0.0, sum(x.share for x in support)))


def trust_of(explanation: Explanation, calibrator: RankCalibrator | None, *, history_size: int,
             horizon: int = DEFAULT_HORIZON) -> Trust:
    """The trust line of one explained recommendation.

    Args:
        explanation: the explained item (its rank picks the confidence).
        calibrator: the run's calibrator, or None (then ``confidence`` is None).
        history_size: distinct items in the history the item was recommended to (picks the calibration curve).
        horizon: future interactions the confidence refers to.
    """
    confidence = None
    if calibrator is not None and explanation.rank > 0:
        confidence = float(calibrator.confidence([explanation.rank], history_size=history_size, horizon=horizon)[0])
    cf = explanation.counterfactual
    return Trust(confidence=confidence, evidence_strength=evidence_strength(explanation),
                 counterfactual_verified=None if cf is None else cf.verified is not None)


def with_trust(explanations: Sequence[Explanation], calibrator: RankCalibrator | None, *, history_size: int,
               horizon: int = DEFAULT_HORIZON) -> list[Explanation]:
    """Copies of `explanations` (of one history of `history_size` distinct items) with ``trust`` filled in."""
    return [e.model_copy(update={"trust": trust_of(e, calibrator, history_size=history_size, horizon=horizon)})
            for e in explanations]


class ListTrust(BaseModel):
    """Trust measures of one recommendation list.

    Attributes:
        k: items in the list.
        diversity: mean pairwise Jaccard distance between the items' `attribute` values (None: fewer than two
            items or no such attribute).
        attribute: the attribute diversity is measured on.
        novelty: mean self-information ``-log2(share of users who interacted)`` of the items (higher = less known).
        popular_share: share of the items that are popular (top 10% of items by interacting users in the fit
            data, see ``popular_min_users``).
        popular_min_users: the fewest interacting users a popular item has.
    """

    model_config = ConfigDict(frozen=True)

    k: int
    diversity: float | None
    attribute: str | None
    novelty: float
    popular_share: float
    popular_min_users: int


def popular_items(dataset: Dataset, share: float = POPULAR_SHARE) -> tuple[np.ndarray, int]:
    """(n_items,) bool mask of popular items, and the fewest users a popular item has.

    Popular = among the top `share` of the dataset's items that have any interaction, by number of distinct
    interacting users; items tied with the last one are included.
    """
    counts = dataset.item_user_counts
    active = np.sort(counts[counts > 0])[::-1]
    if not len(active):
        return np.zeros(len(counts), dtype=bool), 0
    threshold = int(active[max(0, math.ceil(share * len(active)) - 1)])
    return counts >= threshold, threshold


def list_trust(items: np.ndarray | Sequence[int], dataset: Dataset, *, attribute: str | None = "category") -> ListTrust:
    """Diversity, novelty and popular share of one list.

    Args:
        items: the list's item indices, best first (-1 = empty slot, ignored).
        dataset: the data the model was fitted on (popularity and attributes come from it).
        attribute: the categorical item attribute diversity is measured on (None, or absent: not measured).
    """
    ranked = np.asarray(items, dtype=np.int64).reshape(1, -1)
    ranked = ranked[:, ranked[0] >= 0]
    k = ranked.shape[1]
    counts = dataset.item_user_counts
    popular, threshold = popular_items(dataset)
    has_attribute = attribute is not None and attribute in dataset.catalog.attributes.categorical
    diversity = None
    if has_attribute and k >= 2:
        diversity = float(intra_list_diversity(ranked, dataset.catalog.attributes, str(attribute), k)[0])
    return ListTrust(k=k, diversity=diversity, attribute=attribute if has_attribute else None,
                     novelty=novelty(ranked, counts, len(dataset.active_users), k),
                     popular_share=float(popular[ranked[0]].mean()) if k else 0.0, popular_min_users=threshold)
