"""Model names -> classes: the only place where model names are strings.

PyTorch models are imported on first use, so ``import whyrec`` never imports torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from whyrec.errors import ConfigError
from whyrec.models.affinity import AttributeAffinity
from whyrec.models.base import BaseRecommender
from whyrec.models.bpr import BPR
from whyrec.models.ease import EASE
from whyrec.models.implicit_mf import ALS
from whyrec.models.itemknn import ItemKNN
from whyrec.models.popular import MostPopular
from whyrec.models.transitions import ItemTransitions

__all__ = ["MODELS", "MODEL_NAMES", "create_model", "model_class"]

#: Models without heavy dependencies, imported eagerly.
MODELS: dict[str, type[BaseRecommender[Any]]] = {cls.name: cls for cls in (MostPopular, ItemKNN, EASE, ALS, BPR,
                                                                           AttributeAffinity, ItemTransitions)}
#: PyTorch models: name -> (module, class), imported when first asked for.
_TORCH_MODELS: dict[str, tuple[str, str]] = {
    "multvae": ("whyrec.models.torch.multvae", "MultVAE"),
    "lightgcn": ("whyrec.models.torch.lightgcn", "LightGCN"),
    "gru4rec": ("whyrec.models.torch.gru4rec", "GRU4Rec"),
    "deepfm": ("whyrec.models.torch.deepfm", "DeepFM"),
    "sasrec": ("whyrec.models.torch.sasrec", "SASRec"),
    # sentence-transformers (hence torch) is imported only when the text model embeds a catalog
    "text": ("whyrec.models.text", "TextModel"),
    "hybrid": ("whyrec.models.hybrid", "Hybrid"),
}
#: Every model name, in the order the CLI lists them.
MODEL_NAMES: tuple[str, ...] = (*MODELS, *_TORCH_MODELS)


def model_class(name: str) -> type[BaseRecommender[Any]]:
    """The class registered under `name`.

    Raises:
        ConfigError: unknown name (the message lists the valid ones).
    """
    if name in MODELS:
        return MODELS[name]
    if name in _TORCH_MODELS:
        module, attribute = _TORCH_MODELS[name]
        cls: type[BaseRecommender[Any]] = getattr(importlib.import_module(module), attribute)
        return cls
    raise ConfigError(f"unknown model {name!r}; valid models: {', '.join(MODEL_NAMES)}.", field="model",
                      allowed=MODEL_NAMES)


def create_model(name: str, **params: Any) -> BaseRecommender[Any]:
    """A new, unfitted model: ``create_model("ease", regularization=250)``."""
    return model_class(name)(**params)
