"""Hybrid: a collaborative model blended with the text model, per-history z-scores, text-only scores for cold items."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from pydantic import Field, field_validator, model_validator

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.text import Encoder, TextModel, grown_rows
from whyrec.resources import FitEstimate, fit_estimate_of

__all__ = ["DEFAULT_TEXT_WEIGHT", "TEXT_WEIGHT_GRID", "Hybrid", "HybridConfig", "standardize"]

logger = logging.getLogger(__name__)

#: Text weight used when none is given and no validation data is passed to ``fit``. Chosen on the ml-100k
#: validation split (PROTOCOL.md) with EASE as the collaborative part: see docs/concepts/tuning.md.
DEFAULT_TEXT_WEIGHT = 0.4
#: The text weights tried on validation data.
TEXT_WEIGHT_GRID: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)
_PARAM = bool | int | float | str


class HybridConfig(ModelConfig):
    """Hybrid hyperparameters."""

    collaborative: str = "ease"
    """Registry name of the collaborative part (any registered model except ``hybrid``)."""
    collaborative_params: dict[str, _PARAM] = Field(default_factory=dict)
    """Hyperparameters of the collaborative part (its defaults otherwise); its seed is `seed`."""
    text_weight: float | None = Field(default=None, ge=0.0, le=1.0)
    """Weight w of the text part: blend = (1 - w) z(collaborative) + w z(text). None: the best of
    TEXT_WEIGHT_GRID by validation NDCG@10 when ``fit`` gets validation data, else DEFAULT_TEXT_WEIGHT."""
    recency_decay: float = Field(default=0.5, gt=0.0, le=1.0)
    """Recency decay of the text part's profile (see the text model)."""
    text_encoder: Encoder = "all-MiniLM-L6-v2"
    """Sentence encoder of the text part."""

    @field_validator("collaborative")
    @classmethod
    def _registered(cls, name: str) -> str:
        from whyrec.models.registry import MODEL_NAMES

        valid = [n for n in MODEL_NAMES if n != "hybrid"]
        if name not in valid:
            raise ValueError(f"must be one of {', '.join(valid)}")
        return name

    @model_validator(mode="after")
    def _collaborative_params_valid(self) -> HybridConfig:
        from whyrec.models.registry import model_class

        cls = model_class(self.collaborative)
        cls.config_class.model_validate({"seed": self.seed, **self.collaborative_params})
        return self


def standardize(scores: np.ndarray, over: np.ndarray) -> npt.NDArray[np.float64]:
    """Per-row z-scores, with mean and standard deviation taken over the columns `over` (bool mask).

    A row that is constant over `over` (an empty history) becomes all zeros.

    Example:
        >>> standardize(np.array([[1.0, 3.0, 5.0]]), np.array([True, True, False]))
        array([[-1.,  1.,  3.]])
    """
    part = scores[:, over].astype(np.float64)
    mean = part.mean(1, keepdims=True) if part.shape[1] else np.zeros((len(scores), 1))
    std = part.std(1, keepdims=True) if part.shape[1] else np.ones((len(scores), 1))
    std = np.where(std > 1e-12, std, np.inf)  # constant rows: (x - mean) / inf = 0
    return (scores - mean) / std


class Hybrid(BaseRecommender[HybridConfig]):
    """Collaborative and text scores on a common scale, blended by a weight learned on validation data.

    For each history, both parts' scores are z-scored over the warm items (those with interactions in the
    fit data); warm items score z((1 - w) z_collab + w z_text), re-standardised so that they share the
    scale of the cold items, which score z_text alone (a collaborative model knows nothing about an item
    nobody touched). Cold items can thus be recommended next to warm ones. The blend of collaborative and
    content scores follows the weighted hybrids of Burke, "Hybrid Recommender Systems: Survey and
    Experiments", UMUAI 2002.
    """

    name = "hybrid"
    config_class = HybridConfig

    def _parts(self) -> tuple[BaseRecommender[Any], TextModel]:
        from whyrec.models.registry import create_model

        cfg = self.config
        collab = create_model(cfg.collaborative, **{"seed": cfg.seed, **cfg.collaborative_params})
        text = TextModel(seed=cfg.seed, recency_decay=cfg.recency_decay, text_encoder=cfg.text_encoder)
        return collab, text

    def fit_estimate(self, n_items: int) -> FitEstimate | None:
        """What fitting the collaborative part will cost, when it grows fast (EASE, the default)."""
        return fit_estimate_of(self._parts()[0], n_items)

    def _fit(self, dataset: Dataset) -> None:
        collab, text = self._parts()
        self.collaborative_ = collab.fit(dataset)
        self.text_ = text.fit(dataset)
        self.warm_items_ = dataset.item_user_counts > 0
        self.n_items_ = dataset.n_items  # scoring works while the weight is tuned
        validation = self.validation_
        if self.config.text_weight is not None:
            self.text_weight_ = self.config.text_weight
        elif validation is None:
            self.text_weight_ = DEFAULT_TEXT_WEIGHT
        else:
            self.validation_ndcg_: dict[float, float] = {}
            for weight in TEXT_WEIGHT_GRID:
                self.text_weight_ = weight
                self.validation_ndcg_[weight] = validation.ndcg(self)
            self.text_weight_ = max(TEXT_WEIGHT_GRID, key=lambda w: (self.validation_ndcg_[w], -w))
            logger.info("hybrid: text weight %.2f (validation NDCG@%d %.4f)", self.text_weight_, validation.k,
                        self.validation_ndcg_[self.text_weight_])

    def needs_validation(self) -> bool:
        """Whether ``fit`` learns the text weight from validation data (no weight was given)."""
        return self.config.text_weight is None

    def tuned_config(self) -> HybridConfig:
        """The config with the learned text weight fixed (to refit on train + valid without validation)."""
        return self.config.model_copy(update={"text_weight": float(self.text_weight_)})

    def with_item_texts(self, texts: Mapping[int, str]) -> Self:
        """A copy whose text part scores items from these texts (changed items re-embedded, new indices from
        ``n_items`` up added). New items are cold: they score by text alone until the next training."""
        state = self.state()
        embeddings = grown_rows(self.text_.item_embeddings_, texts, self.config.text_encoder)
        state["text.item_embeddings"] = embeddings
        warm = np.zeros(len(embeddings), dtype=bool)
        warm[: len(self.warm_items_)] = self.warm_items_
        state["warm_items"] = warm
        state["collaborative_items"] = np.asarray(self._collaborative_items, dtype=np.int64)
        return type(self).from_state(self.config, state, len(embeddings))

    @property
    def _collaborative_items(self) -> int:
        """Items the collaborative part was fitted on (fewer than `n_items` once items were added)."""
        return int(getattr(self, "collaborative_items_", len(self.warm_items_)))

    def _collaborative_scores(self, histories: HistoryBatch) -> np.ndarray:
        n = self._collaborative_items
        if n == histories.n_items:
            return self.collaborative_.score(histories)
        keep = histories.items < n  # added items are unknown to the collaborative part
        rows = np.repeat(np.arange(len(histories)), np.diff(histories.indptr))[keep]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(histories)))]).astype(np.int64)
        known = HistoryBatch(indptr, histories.items[keep], histories.weights[keep],
                             None if histories.timestamps is None else histories.timestamps[keep],
                             histories.user_ids, n)
        scores = np.zeros((len(histories), histories.n_items), dtype=np.float32)
        scores[:, :n] = self.collaborative_.score(known)
        return scores

    def _score(self, histories: HistoryBatch) -> FloatArray:
        warm = self.warm_items_
        collab = standardize(self._collaborative_scores(histories), warm)
        text = standardize(self.text_.score(histories), warm)
        w = self.text_weight_
        blend = standardize((1.0 - w) * collab + w * text, warm)
        return np.where(warm[None, :], blend, text).astype(np.float32)

    def state(self) -> dict[str, np.ndarray]:
        out = {f"collaborative.{k}": v for k, v in self.collaborative_.state().items()}
        out.update({f"text.{k}": v for k, v in self.text_.state().items()})
        out["warm_items"] = self.warm_items_
        out["text_weight"] = np.asarray(self.text_weight_, dtype=np.float64)
        if self._collaborative_items != len(self.warm_items_):
            out["collaborative_items"] = np.asarray(self._collaborative_items, dtype=np.int64)
        return out

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        collab, text = self._parts()
        self.warm_items_ = np.asarray(state["warm_items"], dtype=bool)
        n_items = len(self.warm_items_)
        self.text_weight_ = float(state["text_weight"])
        self.collaborative_items_ = int(state["collaborative_items"]) if "collaborative_items" in state else n_items
        self.collaborative_ = type(collab).from_state(
            collab.config, {k.removeprefix("collaborative."): v for k, v in state.items()
                            if k.startswith("collaborative.")}, self.collaborative_items_)
        self.text_ = type(text).from_state(
            text.config, {k.removeprefix("text."): v for k, v in state.items() if k.startswith("text.")}, n_items)
