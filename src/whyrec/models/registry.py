"""Model names -> classes: the only place where model names are strings."""

from __future__ import annotations

from typing import Any

from whyrec.errors import ConfigError
from whyrec.models.base import BaseRecommender
from whyrec.models.ease import EASE
from whyrec.models.implicit_mf import ALS, BPR
from whyrec.models.itemknn import ItemKNN
from whyrec.models.popular import MostPopular

__all__ = ["MODELS", "create_model", "model_class"]

MODELS: dict[str, type[BaseRecommender[Any]]] = {cls.name: cls for cls in (MostPopular, ItemKNN, EASE, ALS, BPR)}


def model_class(name: str) -> type[BaseRecommender[Any]]:
    """The class registered under `name`.

    Raises:
        ConfigError: unknown name (the message lists the valid ones).
    """
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; valid models: {', '.join(MODELS)}.", field="model",
                          allowed=tuple(MODELS)) from None


def create_model(name: str, **params: Any) -> BaseRecommender[Any]:
    """A new, unfitted model: ``create_model("ease", regularization=250)``."""
    return model_class(name)(**params)
