"""SASRec: self-attentive sequential recommendation (Kang & McAuley, ICDM 2018)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import BaseRecommender
from whyrec.models.torch._loop import TrainingLog, module_state, seeded
from whyrec.models.torch.gru4rec import training_windows
from whyrec.models.torch.sequence import NextItemConfig, shop_scale

if TYPE_CHECKING:
    import torch

    from whyrec.models.torch._sasrec_net import SASRecNet

__all__ = ["SHOP_SCALE", "AttentionMaps", "SASRec", "SASRecConfig", "resolved_config"]

logger = logging.getLogger(__name__)

_SCORE_BATCH = 1024  # histories per forward pass when scoring


class SASRecConfig(NextItemConfig):
    """SASRec hyperparameters (network defaults tuned on ml-100k validation, see docs/concepts/tuning.md; the
    loss, budget and staging options are :class:`~whyrec.models.torch.sequence.NextItemConfig`'s)."""

    embedding_size: int = Field(default=64, ge=2)
    """Width of item and position embeddings."""
    n_layers: int = Field(default=2, ge=1)
    """Self-attention blocks."""
    attention_heads: int = Field(default=1, ge=1)
    """Heads per block (must divide embedding_size)."""
    max_length: int = Field(default=50, ge=2)
    """Most recent events a history is cut to."""
    dropout: float | None = Field(default=None, ge=0.0, lt=1.0)
    """Dropout on embeddings, attention and feed-forward layers (unset: by catalog size, :data:`SHOP_SCALE`)."""
    separate_output: bool | None = None
    """Score items against their own output vectors; False scores them against the input embeddings (tied,
    as in Kang & McAuley). Unset: by catalog size."""
    prefix_training: bool | None = None
    """As :class:`~whyrec.models.torch.sequence.NextItemConfig`'s; unset: by catalog size."""
    learning_rate: PositiveFloat = 2e-3
    """Adam step size."""
    regularization: NonNegativeFloat = 0.0
    """Adam weight decay."""
    batch_size: int | None = Field(default=None, ge=1)
    """Windows (or prefixes) per update; unset: by catalog size."""
    epochs: int = Field(default=200, ge=1)
    """Most passes over the users (fewer when validation stops training early)."""
    patience: int = Field(default=10, ge=1)
    """Epochs without validation improvement before stopping."""


#: What the settings left unset are at shop scale (catalogs above FULL_SOFTMAX_MAX_ITEMS, where ``loss="auto"``
#: samples) and below. A sparse shop's short histories and one-way transitions need the newest item where
#: scoring puts it (prefixes), output vectors of their own (what follows an item need not look like it) and
#: more dropout; on ml-100k's long, dense histories those lose (docs/benchmarks/accuracy.md, 2026-12-04).
SHOP_SCALE: dict[bool, dict[str, Any]] = {
    True: {"prefix_training": True, "separate_output": True, "dropout": 0.5, "batch_size": 512},
    False: {"prefix_training": False, "separate_output": False, "dropout": 0.2, "batch_size": 64},
}


def resolved_config(config: SASRecConfig, n_items: int) -> SASRecConfig:
    """`config` with each setting left unset filled in for a catalog of `n_items` (:data:`SHOP_SCALE`).

    Example:
        >>> resolved_config(SASRecConfig(dropout=0.3), 12_000).model_dump(include={"dropout", "batch_size"})
        {'dropout': 0.3, 'batch_size': 512}
    """
    chosen = SHOP_SCALE[shop_scale(n_items)]
    return config.model_copy(update={k: v for k, v in chosen.items() if getattr(config, k) is None})


@dataclass(frozen=True)
class AttentionMaps:
    """Attention of one history, for explanations.

    Attributes:
        slots: (L,) index into the history's events for each input position (-1 = padding).
        weights: one (heads, L, L) array per layer; row p = how position p attends to every position.
    """

    slots: np.ndarray
    weights: tuple[np.ndarray, ...]


def _network(n_items: int, cfg: SASRecConfig) -> SASRecNet:
    from whyrec.models.torch._sasrec_net import SASRecNet

    return SASRecNet(n_items, cfg)


class SASRec(BaseRecommender[SASRecConfig]):
    """Causal self-attention over the time-ordered history; the last position's state scores every item.

    Trained to predict the next item at every position of every window of each user's sequence (the windows
    GRU4Rec trains on), with a per-item output bias, by a full softmax on small catalogs and a sampled softmax
    on large ones (``loss``; the eSASRec finding, arXiv 2508.06450). A new history is scored by running it
    through the same network, and the attention of every layer and head is available for explanations
    (:meth:`attention`). Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018.
    """

    name = "sasrec"
    config_class = SASRecConfig

    def _ids(self, history: History) -> tuple[np.ndarray, np.ndarray]:
        """(L,) padded item ids (index + 1, left padded with 0) and the event index of each slot."""
        length = self.config.max_length
        items = history.items[-length:]
        ids = np.zeros(length, dtype=np.int64)
        slots = np.full(length, -1, dtype=np.int64)
        if len(items):
            ids[-len(items):] = items.astype(np.int64) + 1
            slots[-len(items):] = np.arange(len(history.items) - len(items), len(history.items))
        return ids, slots

    def _fit(self, dataset: Dataset) -> None:
        from whyrec.models.torch._next_item import NextItemNetwork, fit_next_item

        cfg = self.training_config_ = resolved_config(self.config, dataset.n_items)  # what this fit trains with
        logger.info("SASRec on %d items: %s", dataset.n_items,
                    ", ".join(f"{k}={getattr(cfg, k)}" for k in SHOP_SCALE[True]))
        generator = seeded(cfg.seed)
        module = self.module_ = _network(dataset.n_items, cfg)
        self.n_items_ = dataset.n_items
        net = NextItemNetwork(module, module, lambda: (module.output_items(), module.bias), trim_padding=True)
        validation = self.validation_
        self.training_log_: TrainingLog = fit_next_item(
            net, training_windows(dataset.user_indptr, dataset.events.item, cfg.max_length), cfg,
            n_items=dataset.n_items, learning_rate=cfg.learning_rate, regularization=cfg.regularization,
            batch_size=int(cfg.batch_size or 1), epochs=cfg.epochs, patience=cfg.patience, generator=generator,
            name="SASRec", prefixes=bool(cfg.prefix_training),
            validate=(lambda: validation.ndcg(self)) if validation is not None else None)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        import torch

        length = self.config.max_length
        ids = torch.from_numpy(np.stack([self._ids(h)[0] for h in histories]) if len(histories)
                               else np.zeros((0, length), dtype=np.int64))
        # histories of similar length together, each batch cut to its longest: the dropped columns are padding
        # every query ignores (positions are right-aligned), so a score does not depend on the batch
        used = (ids > 0).sum(1)
        order = torch.argsort(used, stable=True)
        self.module_.eval()
        out = np.empty((len(ids), self.n_items_ or 0), dtype=np.float32)
        with torch.no_grad():
            for rows in torch.split(order, _SCORE_BATCH):
                width = max(1, int(used[rows].max()))
                states = self.module_(ids[rows][:, length - width:])[:, -1]
                out[rows.numpy()] = self.module_.scores(states).numpy()
        return out

    def attention(self, history: History) -> AttentionMaps:
        """Attention weights of every layer and head for one history (eval mode, no dropout)."""
        import torch

        ids, slots = self._ids(history)
        tensor = torch.from_numpy(ids[None, :])
        keep: list[torch.Tensor] = []
        self.module_.eval()
        with torch.no_grad():
            self.module_.encode(self.module_.items(tensor), tensor, keep)
        return AttentionMaps(slots, tuple(w[0].numpy() for w in keep))

    def sequence_inputs(self, history: History) -> tuple[Any, np.ndarray]:
        """(ids tensor (1, L), slot -> event index) for attributions over input positions."""
        import torch

        ids, slots = self._ids(history)
        return torch.from_numpy(ids[None, :]), slots

    def embed(self, ids: Any) -> Any:
        """(n, L) ids -> (n, L, d) item embeddings (the input integrated gradients walks along)."""
        return self.module_.items(ids)

    def embedding_scorer(self) -> Any:
        """f(embedded (n, L, d), ids (n, L)) -> (n, n_items) scores; the ids fix the padding mask only."""
        module = self.module_
        module.eval()
        return lambda embedded, ids: module.scores(module.encode(embedded, ids)[:, -1])

    def state(self) -> dict[str, np.ndarray]:
        return module_state(self.module_)

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        import torch

        n_items = int(state["items.weight"].shape[0]) - 1
        cfg = resolved_config(self.config, n_items)
        if cfg.separate_output and "output" not in state:  # a run saved before the option existed: tied
            cfg = cfg.model_copy(update={"separate_output": False})
        self.module_ = _network(n_items, cfg)
        self.module_.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
        self.module_.eval()
