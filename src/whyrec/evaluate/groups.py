"""Break metrics down by user group (fairness gaps) and by item popularity (exposure)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from whyrec.data.dataset import Dataset
from whyrec.errors import ConfigError
from whyrec.evaluate.evaluator import Ranking

__all__ = ["ACTIVITY", "activity_groups", "breakdown", "exposure_by_popularity", "popularity_buckets", "user_groups"]

#: Pseudo-attribute: users split into low / mid / high activity by history length (tertiles).
ACTIVITY = "activity"
_BUCKETS = ("head", "mid", "tail")


def user_groups(dataset: Dataset, history: Dataset, user_ids: pd.Index, attribute: str) -> pd.Series:
    """Group label of each user: a categorical user attribute, or ``activity``.

    Args:
        dataset: supplies the user attributes.
        history: the data whose history lengths define activity.
        user_ids: the users to label.
        attribute: ``gender``, ``age_band``, ``occupation``... or ``activity``.

    Raises:
        ConfigError: unknown attribute (the message lists the valid ones).
    """
    index = dataset.users.indices_of(list(user_ids))
    if attribute == ACTIVITY:
        return activity_groups(np.diff(history.user_indptr)[index], user_ids)
    table = dataset.user_attributes
    if attribute not in table.categorical:
        valid = [*table.categorical, ACTIVITY]
        raise ConfigError(f"unknown user attribute {attribute!r}; valid: {', '.join(valid)}.", field="by",
                          allowed=tuple(valid))
    values = table.categorical[attribute]
    return pd.Series(["|".join(values[i]) or "unknown" for i in index], index=user_ids, name=attribute)


def activity_groups(lengths: np.ndarray, user_ids: pd.Index) -> pd.Series:
    """``low`` / ``mid`` / ``high`` activity of each user: the tertiles of their history lengths (events)."""
    cuts = np.quantile(lengths, [1 / 3, 2 / 3]) if len(lengths) else [0, 0]
    labels = np.array(["low", "mid", "high"])[np.searchsorted(cuts, lengths, side="right").clip(0, 2)]
    return pd.Series(labels, index=user_ids, name=ACTIVITY)


def breakdown(per_user: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Mean of every metric per group, with the group's user count and its gap to the overall mean."""
    frame = per_user.join(groups)
    name = str(groups.name)
    table = frame.groupby(name).mean(numeric_only=True)
    table.insert(0, "users", frame.groupby(name).size())
    return table.sort_index()


def popularity_buckets(popularity: np.ndarray, catalog: np.ndarray) -> np.ndarray:
    """Label catalog items head / mid / tail: head items hold the top third of interactions, tail the last.

    Returns:
        (n_items,) object array; items outside the catalog get "".
    """
    labels = np.full(len(popularity), "", dtype=object)
    order = catalog[np.argsort(-popularity[catalog], kind="stable")]
    share = np.cumsum(popularity[order]) / max(1, popularity[order].sum())
    labels[order] = np.array(_BUCKETS, dtype=object)[np.searchsorted([1 / 3, 2 / 3], share, side="left").clip(0, 2)]
    return labels


def exposure_by_popularity(ranking: Ranking, k: int) -> pd.DataFrame:
    """Per popularity bucket: share of catalog items, of top-k slots, and of relevant test items, and recall.

    A recommender that over-exposes popular items shows a ``slots`` share far above its ``catalog`` share for
    ``head``.
    """
    popularity = ranking.history.item_user_counts
    labels = popularity_buckets(popularity, ranking.catalog)
    top = ranking.recommendations.items[:, :k]
    recommended = labels[top[top >= 0]]
    relevant_all = np.concatenate(ranking.relevant) if ranking.relevant else np.zeros(0, np.int64)
    relevant_labels = labels[relevant_all]
    hit_labels = []
    for items, truth in zip(top, ranking.relevant, strict=True):
        hit_labels.extend(labels[np.intersect1d(items[items >= 0], truth)])
    rows = []
    for bucket in _BUCKETS:
        n_rel = int((relevant_labels == bucket).sum())
        rows.append({
            "bucket": bucket,
            "catalog_share": float((labels[ranking.catalog] == bucket).mean()),
            "slot_share": float((recommended == bucket).mean()) if len(recommended) else 0.0,
            "relevant_share": n_rel / max(1, len(relevant_labels)),
            f"recall@{k}": hit_labels.count(bucket) / n_rel if n_rel else 0.0,
        })
    return pd.DataFrame(rows).set_index("bucket")
