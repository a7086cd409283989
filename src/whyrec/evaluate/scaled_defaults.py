"""Starting hyperparameters scaled to the data, for the search ``whyrec train --tune auto`` runs.

The fixed defaults of each model were chosen on ml-100k (docs/concepts/tuning.md). The rules here carry
them to data of another shape by keeping what the defaults balance constant, each rule anchored so that
ml-100k gives back about its tuned value:

- **EASE** ``regularization`` (lambda) competes with the diagonal of the Gram matrix X^T X, an item's
  summed squared weight: lambda = 4 x its mean over active items (ml-100k, rating weights: about 2,400;
  binary: about 180; Steck 2019 tunes lambda on the same scale). Weighted and binary input give two
  starting points, because the diagonal changes by the mean squared weight; data with one weight for
  every pair gives one, binary. With a catalog whose categorical values are shared by items, each start
  is tried again with ``attribute_weight`` 0.5 (a shared value adds lambda / 2 to two items' Gram entry:
  twice an average item's diagonal), after the starts without, so every start tried without the catalog
  is still tried (the sampled trials after them differ: docs/benchmarks/accuracy.md, synthetic-beauty);
  without shared values, the search holds it at 0
  (`unusable_params`): it would change nothing.
- **ALS** ``alpha`` trades observed confidence against the unobserved cells: alpha x mean weight =
  0.4 x sqrt(1 / density), so sparse data weighs its few positives more (ml-100k: alpha 0.5 with ratings).
  ``regularization`` scales with the confidence one user puts on the data term, mean history length x
  (1 + alpha x mean weight): lambda = 0.05 x that (ml-100k: about 10). As for EASE, weighted and binary
  input are two starting points (the mean weight is 1 on binary input). ``embedding_size`` follows the
  observations per row of the factor matrices, n_interactions / (n_users + n_items): 9 factors per
  observation per row, moved to the nearest searched size (ml-100k: 28 per row, 256 factors, the fixed
  default; a Beauty-like shop with 4.5 per row: 64). More factors than that fit noise on sparse data
  (docs/benchmarks/accuracy.md, synthetic-beauty).
- **ItemKNN** ``n_neighbors`` is half the active catalog, at most 800 (ml-100k: 800); ``shrinkage`` damps
  similarities built on few co-occurrences, so it grows as items get rarer: 250 / mean users per item,
  at most 50.
- **BPR** ``learning_rate``: an item's factors take one SGD step per event of the item and epoch, so
  with fewer events per item they need longer steps to move as far off their random start:
  learning_rate = 0.46 / mean users per item (ml-100k: about 0.01, the fixed default; a Beauty-like
  shop with ~13 users per item: about 0.035). Sparse data with the ml-100k step size is what left BPR
  near popularity (docs/benchmarks/accuracy_bpr_als.md).

Other models start from their fixed defaults. Every value is clipped into the model's search space
(`whyrec.evaluate.tuning.SEARCH_SPACES`), so the search can always move around it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from whyrec.data.dataset import Dataset

__all__ = ["SCALED_FOR", "DataShape", "scaled_starts", "unusable_params"]

#: Keys of a start that say which input its values were scaled for (not scaled values themselves).
SCALED_FOR = frozenset({"use_weights"})
_EASE_LAMBDA_PER_GRAM_DIAGONAL = 4.0
_ALS_ALPHA_PER_SQRT_SPARSITY = 0.4
_ALS_REGULARIZATION_PER_CONFIDENCE = 0.05
_ALS_FACTORS_PER_ROW_OBSERVATION = 9.0
_KNN_MAX_NEIGHBORS, _KNN_SHRINKAGE_SCALE, _KNN_MAX_SHRINKAGE = 800, 250.0, 50.0
_BPR_STEP_PER_ITEM_USERS = 0.46
_EASE_ATTRIBUTE_WEIGHT = 0.5


@dataclass(frozen=True)
class DataShape:
    """The few numbers of a dataset the scaled starting values depend on (active users and items only).

    Attributes:
        n_users: users with at least one event.
        n_items: items with at least one event.
        n_interactions: distinct (user, item) pairs.
        density: n_interactions / (n_users x n_items).
        mean_history: distinct items per user, on average.
        mean_item_users: users per item, on average.
        mean_weight: mean event weight of a (user, item) pair (1 on binary data).
        weights_constant: every pair has the same weight (binary input, or one event kind).
        gram_diagonal_weighted: mean over items of the summed squared weights (diag of X^T X).
        gram_diagonal_binary: the same with every weight 1 (= mean_item_users).
        catalog_values: categorical catalog values (``brand=Acme``...) that at least two active items have.
    """

    n_users: int
    n_items: int
    n_interactions: int
    density: float
    mean_history: float
    mean_item_users: float
    mean_weight: float
    weights_constant: bool
    gram_diagonal_weighted: float
    gram_diagonal_binary: float
    catalog_values: int = 0

    @classmethod
    def of(cls, dataset: Dataset) -> DataShape:
        """Measure `dataset` (the part a model is fitted on).

        Raises:
            ValueError: the dataset has no events.
        """
        x = dataset.interactions
        if x.nnz == 0:
            raise ValueError(f"{dataset.name} has no events: nothing to scale hyperparameters to.")
        n_users, n_items = len(dataset.active_users), len(dataset.active_items)
        weights = np.asarray(x.data, dtype=np.float64)
        return cls(n_users=n_users, n_items=n_items, n_interactions=int(x.nnz),
                   density=x.nnz / (n_users * n_items), mean_history=x.nnz / n_users,
                   mean_item_users=x.nnz / n_items, mean_weight=float(weights.mean()),
                   weights_constant=bool(np.ptp(weights) <= 1e-9 * max(1.0, abs(weights[0]))),
                   gram_diagonal_weighted=float((weights**2).sum()) / n_items,
                   gram_diagonal_binary=x.nnz / n_items,
                   catalog_values=int(dataset.catalog.attributes.indicators(among=dataset.item_user_counts > 0)
                                      .shape[1]))

    def as_dict(self) -> dict[str, float | int | bool]:
        """Rounded, for a run's metadata."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _ease(shape: DataShape) -> list[dict[str, Any]]:
    weighted = {"regularization": _EASE_LAMBDA_PER_GRAM_DIAGONAL * shape.gram_diagonal_weighted,
                "use_weights": True}
    binary = {"regularization": _EASE_LAMBDA_PER_GRAM_DIAGONAL * shape.gram_diagonal_binary, "use_weights": False}
    # with one weight for every pair (binary data, or only purchases) the two are the same model
    starts = [binary] if shape.weights_constant else [weighted, binary]
    if shape.catalog_values:  # each also with the catalog as side information, after those without
        starts += [{**start, "attribute_weight": _EASE_ATTRIBUTE_WEIGHT} for start in starts]
    return starts


def _als(shape: DataShape) -> list[dict[str, Any]]:
    confidence = _ALS_ALPHA_PER_SQRT_SPARSITY * np.sqrt(1.0 / shape.density)  # alpha x mean weight
    regularization = float(_ALS_REGULARIZATION_PER_CONFIDENCE * shape.mean_history * (1.0 + confidence))
    size = round(_ALS_FACTORS_PER_ROW_OBSERVATION * shape.n_interactions / max(1, shape.n_users + shape.n_items))
    weighted = {"alpha": float(confidence / shape.mean_weight), "regularization": regularization,
                "embedding_size": size, "use_weights": True}
    binary = {"alpha": float(confidence), "regularization": regularization, "embedding_size": size,
              "use_weights": False}
    # with one weight for every pair the weighted start is the binary model; ALS does not search use_weights,
    # so only the weighted one (the default use_weights=True) survives into a search
    return [weighted] if shape.weights_constant else [weighted, binary]


def _itemknn(shape: DataShape) -> list[dict[str, Any]]:
    neighbors = int(min(_KNN_MAX_NEIGHBORS, max(1, shape.n_items // 2)))
    shrinkage = min(_KNN_MAX_SHRINKAGE, _KNN_SHRINKAGE_SCALE / shape.mean_item_users)
    return [{"n_neighbors": neighbors, "shrinkage": float(shrinkage)}]


def _bpr(shape: DataShape) -> list[dict[str, Any]]:
    return [{"learning_rate": _BPR_STEP_PER_ITEM_USERS / shape.mean_item_users}]


_RULES = {"ease": _ease, "als": _als, "itemknn": _itemknn, "bpr": _bpr}


def unusable_params(model: str, shape: DataShape) -> dict[str, Any]:
    """Hyperparameters a search of `model` holds at these values, because on data of `shape` no other value
    changes the model (EASE's ``attribute_weight`` without shared catalog values).

    Example:
        >>> shape = DataShape(n_users=900, n_items=1600, n_interactions=72_000, density=0.05,
        ...                   mean_history=80.0, mean_item_users=45.0, mean_weight=1.0,
        ...                   weights_constant=True, gram_diagonal_weighted=45.0, gram_diagonal_binary=45.0)
        >>> unusable_params("ease", shape)
        {'attribute_weight': 0.0}
    """
    if model == "ease" and not shape.catalog_values:
        return {"attribute_weight": 0.0}
    return {}


def scaled_starts(model: str, shape: DataShape) -> list[dict[str, Any]]:
    """Starting points for `model` on data of `shape`: one to four partial configs, unclipped.

    An empty list means the model has no rule here and starts from its fixed defaults.

    Example:
        >>> shape = DataShape(n_users=900, n_items=1600, n_interactions=72_000, density=0.05,
        ...                   mean_history=80.0, mean_item_users=45.0, mean_weight=1.0,
        ...                   weights_constant=True, gram_diagonal_weighted=45.0, gram_diagonal_binary=45.0)
        >>> scaled_starts("ease", shape)
        [{'regularization': 180.0, 'use_weights': False}]
        >>> scaled_starts("pop", shape)
        []
    """
    rule = _RULES.get(model)
    return rule(shape) if rule is not None else []
