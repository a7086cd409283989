"""Fitting a model on a split as PROTOCOL.md says: tune on train against valid, refit on train + valid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from whyrec.evaluate.splits import Split
from whyrec.evaluate.validation import ValidationSet
from whyrec.models.base import BaseRecommender
from whyrec.models.capabilities import ValidationTuned, WarmStartable

__all__ = ["fit_on_split", "fitted_on"]


def _early_stopped(recommender: BaseRecommender[Any]) -> bool:
    fields = type(recommender.config).model_fields
    return "epochs" in fields and "patience" in fields


def fitted_on(recommender: BaseRecommender[Any]) -> Literal["train+valid", "train"]:
    """The part `fit_on_split` fits `recommender`'s final model on: ``train`` for an early-stopped model whose
    config says ``refit=False``, ``train+valid`` otherwise (what ``RunMeta.fitted_on`` records)."""
    return "train" if _early_stopped(recommender) and not getattr(recommender.config, "refit", True) \
        else "train+valid"


def fit_on_split(recommender: BaseRecommender[Any], parts: Split, *,
                 initial: Mapping[str, np.ndarray] | None = None) -> BaseRecommender[Any]:
    """Fit on train + valid; what a model tunes on validation is tuned on train first.

    A model that trains for epochs and has ``patience`` first trains on train alone, stopping when validation
    NDCG@10 stops improving (scoring the first ``validation_users`` validation users, where the config has that
    field); the number of epochs is then a tuned hyperparameter, and the final model is refit on train + valid
    for exactly that many epochs, unless its config says ``refit=False`` (one stage: the early-stopped model is
    the final one; SASRec and GRU4Rec offer it). A :class:`ValidationTuned` model (hybrid's text weight) does
    the same with what it learns. Validation data never guides the final fit.

    Args:
        recommender: the model to fit.
        parts: the split.
        initial: arrays every fit of a :class:`WarmStartable` model starts from (``train --warm-start``);
            other models ignore them.

    Returns:
        the fitted model: `recommender` itself, or a new one built from the tuned config.
    """
    def warm(model: BaseRecommender[Any]) -> BaseRecommender[Any]:
        if initial is not None and isinstance(model, WarmStartable):
            model.warm_start(initial)
        return model

    recommender = warm(recommender)
    if _early_stopped(recommender):
        max_users = getattr(recommender.config, "validation_users", None)
        recommender.fit(parts.train, validation=ValidationSet.from_split(parts, max_users=max_users))
        if fitted_on(recommender) == "train":
            return recommender
        best = max(1, int(recommender.training_log_.best_epoch))  # type: ignore[attr-defined]
        final = warm(type(recommender)(recommender.config.model_copy(update={"epochs": best})))
        return final.fit(parts.fit)
    if isinstance(recommender, ValidationTuned) and recommender.needs_validation():
        recommender.fit(parts.train, validation=ValidationSet.from_split(parts))
        return warm(type(recommender)(recommender.tuned_config())).fit(parts.fit)
    return recommender.fit(parts.fit)
