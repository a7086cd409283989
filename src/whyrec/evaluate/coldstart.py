"""Cold-start evaluation (PROTOCOL.md "Cold-start items" and "New users").

Cold items and new users are chosen by a hash of their id, so the choice is the same in every library and
every run: an id is held out when the first 8 hex digits of the SHA-256 of its UTF-8 bytes, read as an
integer, are divisible by 5 (about 20% of ids).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from whyrec import progress
from whyrec._types import IndexArray
from whyrec.data.history import HistoryBatch
from whyrec.evaluate.metrics import hit_matrix, ndcg, recall
from whyrec.evaluate.splits import Split
from whyrec.models.base import BaseRecommender
from whyrec.models.ranking import top_k

__all__ = [
    "HISTORY_LENGTHS",
    "ColdItemsResult",
    "NewUsersResult",
    "evaluate_cold_items",
    "evaluate_new_users",
    "held_out",
    "random_expected",
]

logger = logging.getLogger(__name__)

#: History lengths of the new-user evaluation; None = the whole fit history.
HISTORY_LENGTHS: tuple[int | None, ...] = (1, 3, 5, None)
_BATCH = 2048
#: Fits a new model on the split it is given: ``lambda part: fit_on_split(create_model("ease"), part)``, where
#: `whyrec.training.fit_on_split` is PROTOCOL.md's rule (tune on train against valid, refit on train + valid).
Fitter = Callable[[Split], BaseRecommender[Any]]


def held_out(ids: Sequence[str]) -> np.ndarray:
    """(len(ids),) bool: whether each id is cold (items) or new (users) under PROTOCOL.md's hash rule.

    Example:
        >>> held_out(["1", "2", "3"]).tolist()
        [False, False, False]
    """
    return np.fromiter((int(hashlib.sha256(i.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0 for i in ids),
                       dtype=bool, count=len(ids))


def random_expected(n_relevant: np.ndarray, n_candidates: int, k: int) -> dict[str, float]:
    """Expected Recall@k and NDCG@k of a uniformly random ranking of `n_candidates` items, averaged over users.

    Each position holds a relevant item with probability R / C (R relevant items, all among the C
    candidates), so E[hits@k] = min(k, C) R / C, E[Recall@k] = min(k, C) / C, and
    E[NDCG@k] = (R / C) sum_{p <= min(k, C)} 1 / log2(p + 1) / IDCG(min(R, k)). Exact, not simulated.

    Example:
        >>> random_expected(np.array([1]), 40, 20)["recall@20"]
        0.5
    """
    depth = min(k, n_candidates)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.concatenate([[0.0], np.cumsum(disc)])
    share = n_relevant / max(1, n_candidates)
    dcg = share * disc[:depth].sum()
    idcg = ideal[np.minimum(n_relevant, k)]
    ndcg_u = np.divide(dcg, idcg, out=np.zeros(len(n_relevant)), where=idcg > 0)
    recall_u = np.where(n_relevant > 0, depth / max(1, n_candidates), 0.0)
    return {f"recall@{k}": float(recall_u.mean()) if len(recall_u) else 0.0,
            f"ndcg@{k}": float(ndcg_u.mean()) if len(ndcg_u) else 0.0}


@dataclass(frozen=True)
class ColdItemsResult:
    """Cold-item evaluation of one model.

    Attributes:
        model: the model's registry name.
        users: test users with at least one cold test item (the ones scored).
        n_cold_items: cold items, all of them candidates.
        metrics: ``recall@k`` and ``ndcg@k`` of the model.
        random: the expected value of a random ranking of the candidates.
        baselines: other models under the same protocol (``text``: the popularity-free text baseline).
        elapsed_s: seconds for fitting and ranking.
    """

    model: str
    users: int
    n_cold_items: int
    metrics: dict[str, float]
    random: dict[str, float]
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class NewUsersResult:
    """New-user evaluation of one model.

    Attributes:
        model: the model's registry name.
        users: new users with test items (the ones scored).
        metrics: history length (``"1"``, ``"3"``, ``"5"``, ``"all"``) -> ``ndcg@k`` and ``recall@k``.
        popularity: the same for the most-popular baseline (it ignores the history: equal for every N).
        elapsed_s: seconds for fitting and ranking.
    """

    model: str
    users: int
    metrics: dict[str, dict[str, float]]
    popularity: dict[str, dict[str, float]]
    elapsed_s: float = 0.0


def _without(split: Split, events: np.ndarray, name: str) -> Split:
    """The split restricted to the events where `events` is False (same id maps, same parts)."""
    keep = ~events
    return Split(split.dataset.subset(keep, f"{split.dataset.name}/{name}"), split.part[keep], split.protocol)


def _rank(model: BaseRecommender[Any], histories: HistoryBatch, candidates: IndexArray, k: int,
          exclude: HistoryBatch | None = None) -> np.ndarray:
    """(n_histories, k) top-k item indices among `candidates`, each row's `exclude` items (default: its history)
    left out."""
    exclude = histories if exclude is None else exclude
    allowed = np.zeros(histories.n_items, dtype=bool)
    allowed[candidates] = True
    out = np.full((len(histories), k), -1, dtype=np.int32)
    for lo in range(0, len(histories), _BATCH):
        hi = min(lo + _BATCH, len(histories))
        scores = model.score(HistoryBatch.from_histories(histories[lo:hi], histories.n_items)).copy()
        scores[:, ~allowed] = -np.inf
        seen = HistoryBatch.from_histories(exclude[lo:hi], exclude.n_items).binary
        scores[np.repeat(np.arange(hi - lo), np.diff(seen.indptr)), seen.indices] = -np.inf
        out[lo:hi] = top_k(scores, k).items
    return out


def _metrics(ranked: np.ndarray, relevant: Sequence[np.ndarray], k: int) -> dict[str, float]:
    hits = hit_matrix(ranked, relevant)
    n_relevant = np.array([len(r) for r in relevant])
    return {f"recall@{k}": float(recall(hits, n_relevant, k).mean()) if len(relevant) else 0.0,
            f"ndcg@{k}": float(ndcg(hits, n_relevant, k).mean()) if len(relevant) else 0.0}


def evaluate_cold_items(model: Fitter, split: Split, *, k: int = 20,
                        baselines: dict[str, Fitter] | None = None) -> ColdItemsResult:
    """PROTOCOL.md "Cold-start items": how well a model ranks items nobody interacted with in its fit data.

    Every interaction with a cold item is removed from train and valid; the model is fitted (and tuned) on
    what remains. For each test user with a cold test item: candidates = every cold item, history = the
    user's warm fit data, truth = the user's cold test items.

    Args:
        model: fits a new model (the run's model type and config) on the split it is given.
        split: the full split (PROTOCOL.md).
        k: list length.
        baselines: name -> fitter of other models to score the same way (e.g. ``{"text": ...}``).
    """
    dataset = split.dataset
    cold = held_out(dataset.items.ids)
    warm = _without(split, cold[dataset.events.item], "warm-items")
    candidates = np.flatnonzero(cold).astype(np.int32)
    test = split.test
    users, relevant = [], []
    for u in test.active_users:
        items = np.unique(test.sequence(int(u)))
        items = items[cold[items]]
        if len(items):
            users.append(int(u))
            relevant.append(items)
    user_index = np.asarray(users, dtype=np.int32)
    histories = warm.fit.histories_of(user_index)
    results: dict[str, dict[str, float]] = {}
    name = ""
    with progress.Stopwatch() as watch:
        for label, fit in {"": model, **(baselines or {})}.items():
            with progress.task(f"Cold items: fitting {label or 'the model'}"):
                fitted = fit(warm)
            name = name or fitted.name
            results[label] = _metrics(_rank(fitted, histories, candidates, k), relevant, k)
    n_relevant = np.array([len(r) for r in relevant])
    own = results.pop("")
    logger.info("cold items: %s ndcg@%d=%.4f over %d users, %d cold items", name, k, own[f"ndcg@{k}"],
                len(users), len(candidates))
    return ColdItemsResult(name, len(users), len(candidates), own, random_expected(n_relevant, len(candidates), k),
                           results, watch.elapsed_s)


def evaluate_new_users(model: Fitter, split: Split, *, k: int = 10,
                       lengths: Sequence[int | None] = HISTORY_LENGTHS) -> NewUsersResult:
    """PROTOCOL.md "New users": how well a model serves users it never saw, from their first few interactions.

    The model is fitted (and tuned) on the other users' data. Each new user with test items is scored as an
    unseen user from the last N interactions of their fit data (N in `lengths`; None = all); candidates =
    the items of the model's fit data minus all of the user's fit items, as PROTOCOL.md's ranking rule
    says, for every N (so the lists differ across N only by what the model makes of the history, and
    popularity scores the same for every N); truth = all of the user's test items.

    Args:
        model: fits a new model (the run's model type and config) on the split it is given.
        split: the full split (PROTOCOL.md).
        k: list length.
        lengths: history lengths to try.
    """
    from whyrec.models.popular import MostPopular

    dataset = split.dataset
    new = held_out(dataset.users.ids)
    others = _without(split, new[dataset.events.user], "other-users")
    test = split.test
    user_index = test.active_users[new[test.active_users]]
    relevant = [np.unique(test.sequence(int(u))) for u in user_index]
    full = split.fit.histories_of(user_index)
    candidates = others.fit.active_items
    with progress.Stopwatch() as watch:
        with progress.task("New users: fitting the model"):
            fitted = model(others)
        popular = MostPopular().fit(others.fit)
        ours: dict[str, dict[str, float]] = {}
        pop: dict[str, dict[str, float]] = {}
        for n in lengths:
            label = "all" if n is None else str(n)
            histories = full if n is None else HistoryBatch.from_histories([h.last(n) for h in full], full.n_items)
            ours[label] = _metrics(_rank(fitted, histories, candidates, k, exclude=full), relevant, k)
            pop[label] = _metrics(_rank(popular, histories, candidates, k, exclude=full), relevant, k)
    logger.info("new users: %s over %d users in %.1f s", fitted.name, len(user_index), watch.elapsed_s)
    return NewUsersResult(fitted.name, len(user_index), ours, pop, watch.elapsed_s)
