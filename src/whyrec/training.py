"""Fitting a model on a split as PROTOCOL.md says: tune on train against valid, refit on train + valid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from whyrec.evaluate.splits import Split
from whyrec.evaluate.validation import ValidationSet
from whyrec.models.base import BaseRecommender
from whyrec.models.capabilities import ValidationTuned, WarmStartable

__all__ = ["fit_and_validate", "fit_on_split", "fit_tuned", "fitted_on", "validation_set_for"]


def _trains_epochs(recommender: BaseRecommender[Any]) -> bool:
    fields = type(recommender.config).model_fields
    return "epochs" in fields and "patience" in fields


def fitted_on(recommender: BaseRecommender[Any]) -> Literal["train+valid", "train"]:
    """The part `fit_on_split` fits `recommender`'s final model on: ``train`` for an early-stopped model whose
    config says ``refit=False``, ``train+valid`` otherwise (what ``RunMeta.fitted_on`` records)."""
    return "train" if _trains_epochs(recommender) and not getattr(recommender.config, "refit", True) \
        else "train+valid"


def validation_set_for(recommender: BaseRecommender[Any], parts: Split) -> ValidationSet:
    """The validation users `recommender` is scored on while it fits: all of them, or the first
    ``validation_users`` where its config has that field (to bound the cost per epoch)."""
    return ValidationSet.from_split(parts, max_users=getattr(recommender.config, "validation_users", None))


def fit_on_split(recommender: BaseRecommender[Any], parts: Split, *,
                 initial: Mapping[str, np.ndarray] | None = None) -> BaseRecommender[Any]:
    """Fit as :func:`fit_and_validate` does, and return only the fitted model."""
    return fit_and_validate(recommender, parts, initial=initial)[0]


def fit_and_validate(recommender: BaseRecommender[Any], parts: Split, *,
                     initial: Mapping[str, np.ndarray] | None = None) -> tuple[BaseRecommender[Any], float | None]:
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
        the fitted model (`recommender` itself, or a new one built from the tuned config), and the best
        validation NDCG@10 of the train-only stage where the fit measured one (epoch models, on
        :func:`validation_set_for`'s users), else None.
    """
    def warm(model: BaseRecommender[Any]) -> BaseRecommender[Any]:
        if initial is not None and isinstance(model, WarmStartable):
            model.warm_start(initial)
        return model

    recommender = warm(recommender)
    if _trains_epochs(recommender):
        recommender.fit(parts.train, validation=validation_set_for(recommender, parts))
        log = recommender.training_log_  # type: ignore[attr-defined]
        value = float(max(log.validation)) if log.validation else None
        if fitted_on(recommender) == "train":
            return recommender, value
        best = max(1, int(log.best_epoch))
        final = warm(type(recommender)(recommender.config.model_copy(update={"epochs": best})))
        return final.fit(parts.fit), value
    if isinstance(recommender, ValidationTuned) and recommender.needs_validation():
        recommender.fit(parts.train, validation=ValidationSet.from_split(parts))
        return warm(type(recommender)(recommender.tuned_config())).fit(parts.fit), None
    return recommender.fit(parts.fit), None


def fit_tuned(recommender: BaseRecommender[Any], parts: Split, *,
              initial: Mapping[str, np.ndarray] | None = None) -> BaseRecommender[Any]:
    """Fit a model whose config came out of a search (`whyrec.evaluate.tuning.tune`) on train + valid.

    The search already found an epoch model's best epoch on train against valid (its ``epochs``), so that
    model is refit on train + valid for exactly that many epochs; any other model is fitted as
    :func:`fit_on_split` fits it. `initial` is as for :func:`fit_and_validate`.
    """
    if _trains_epochs(recommender):
        if initial is not None and isinstance(recommender, WarmStartable):
            recommender.warm_start(initial)
        return recommender.fit(parts.fit)
    return fit_on_split(recommender, parts, initial=initial)
