"""GRU4Rec: a recurrent network over the time-ordered history predicts the next item (Hidasi et al., ICLR 2016)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray, IndexArray, Int64Array
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.models.base import BaseRecommender
from whyrec.models.torch._loop import TrainingLog, module_state, seeded
from whyrec.models.torch.sequence import NextItemConfig

if TYPE_CHECKING:
    from whyrec.models.torch._gru4rec_net import GRU4RecNet

__all__ = ["GRU4Rec", "GRU4RecConfig", "left_padded", "training_windows"]

logger = logging.getLogger(__name__)

_SCORE_BATCH = 1024  # histories per forward pass when scoring


class GRU4RecConfig(NextItemConfig):
    """GRU4Rec hyperparameters (epochs chosen on ml-100k validation, see docs/concepts/tuning.md; the loss,
    budget and staging options are :class:`~whyrec.models.torch.sequence.NextItemConfig`'s)."""

    embedding_size: int = Field(default=64, ge=1)
    """Size of the input item embeddings."""
    hidden_size: int = Field(default=128, ge=1)
    """Width of the GRU's hidden state."""
    max_length: int = Field(default=50, ge=1)
    """Most recent history items the network reads; older ones are dropped."""
    dropout: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Dropout on the item embeddings and on the GRU output."""
    learning_rate: PositiveFloat = 1e-3
    """Adam step size."""
    regularization: NonNegativeFloat = 0.0
    """Adam weight decay."""
    batch_size: int = Field(default=64, ge=1)
    """Training windows (of up to `max_length` + 1 items) per update."""
    epochs: int = Field(default=30, ge=1)
    """Most passes over the training sequences (fewer when validation stops training early); 30 is the best
    epoch on ml-100k validation (27), so a plain `fit` is the tuned model."""
    patience: int = Field(default=10, ge=1)
    """Epochs without validation improvement before stopping."""


def left_padded(indptr: Int64Array, items: IndexArray, length: int) -> Int64Array:
    """The last `length` items of each ragged sequence, shifted by one and left-padded with 0.

    Args:
        indptr: (n + 1,) offsets of each sequence in `items`.
        items: (n_events,) item indices, each sequence oldest first.
        length: width of the result.

    Returns:
        (n, length) int64; 0 is padding and item i is stored as i + 1.

    Example:
        >>> left_padded(np.array([0, 3, 3, 4]), np.array([5, 6, 7, 2]), 2)
        array([[7, 8],
               [0, 0],
               [0, 3]])
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    ends = indptr[1:]
    index = ends[:, None] - length + np.arange(length)
    valid = index >= indptr[:-1, None]
    shifted = np.asarray(items, dtype=np.int64) + 1
    return np.where(valid, shifted[np.clip(index, 0, max(len(shifted) - 1, 0))] if len(shifted) else 0, 0)


def training_windows(indptr: Int64Array, items: IndexArray, length: int) -> Int64Array:
    """Cut every sequence into windows of `length` + 1 items that overlap by one, so each transition is used once.

    Returns:
        (n_windows, length + 1) int64, left-padded as in `left_padded`; sequences of one item give none.
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    sizes = np.diff(indptr)
    counts = np.where(sizes > 1, -(-(sizes - 1) // length), 0)  # ceil((L - 1) / length) windows per sequence
    owner = np.repeat(np.arange(len(sizes)), counts)
    rank = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    ends = indptr[1:][owner] - rank * length  # the newest window first
    bounds = np.stack([indptr[:-1][owner], ends], axis=1).ravel()
    window_indptr = np.concatenate([[0], bounds])
    # left_padded reads each window's end and start from consecutive offsets
    padded = left_padded(window_indptr, items, length + 1)
    return padded[1::2] if len(padded) else padded.reshape(0, length + 1)


def _network(n_items: int, cfg: GRU4RecConfig) -> GRU4RecNet:
    from whyrec.models.torch._gru4rec_net import GRU4RecNet

    return GRU4RecNet(n_items, cfg)


class GRU4Rec(BaseRecommender[GRU4RecConfig]):
    """A GRU reads the last `max_length` items of a history, oldest first, and scores every item as the next one.

    Training cuts every user's time-ordered sequence into windows of ``max_length + 1`` items and, at each
    position, predicts the next item with a softmax cross-entropy: over all items on small catalogs, over
    sampled negatives on large ones (``loss``). A history is scored
    from the GRU's state after its last item (a linear layer maps the state to one logit per item), so any
    history, of a known user or not, is scored the same way, and the order of its items matters. Event
    weights are ignored; repeated items are read as repeated steps.

    Hidasi, Karatzoglou, Baltrunas & Tikk, "Session-based Recommendations with Recurrent Neural Networks",
    ICLR 2016 (here with the full softmax of Hidasi & Karatzoglou, CIKM 2018, or a uniformly sampled softmax).
    """

    name = "gru4rec"
    config_class = GRU4RecConfig

    def _fit(self, dataset: Dataset) -> None:
        from whyrec.models.torch._next_item import NextItemNetwork, fit_next_item

        cfg = self.config
        generator = seeded(cfg.seed)
        module = self.module_ = _network(dataset.n_items, cfg)
        self.n_items_ = dataset.n_items  # scoring works during training (validation)
        windows = training_windows(dataset.user_indptr, dataset.events.item, cfg.max_length)
        net = NextItemNetwork(module, module.states, lambda: (module.output.weight, module.output.bias),
                              trim_padding=False)
        validation = self.validation_
        self.training_log_: TrainingLog = fit_next_item(
            net, windows, cfg, n_items=dataset.n_items, learning_rate=cfg.learning_rate,
            regularization=cfg.regularization, batch_size=cfg.batch_size, epochs=cfg.epochs, patience=cfg.patience,
            generator=generator, name="GRU4Rec", prefixes=bool(cfg.prefix_training),
            validate=(lambda: validation.ndcg(self)) if validation is not None else None)
        logger.info("fitted GRU4Rec on %d windows, best epoch %d", len(windows), self.training_log_.best_epoch)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        import torch

        sequences = torch.from_numpy(left_padded(histories.indptr, histories.items, self.config.max_length))
        self.module_.eval()
        out = np.empty((len(histories), self.n_items_ or 0), dtype=np.float32)
        with torch.no_grad():
            for lo in range(0, len(histories), _SCORE_BATCH):
                out[lo:lo + _SCORE_BATCH] = self.module_(sequences[lo:lo + _SCORE_BATCH])[:, -1].numpy()
        return out

    def state(self) -> dict[str, np.ndarray]:
        return module_state(self.module_)

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        import torch

        n_items = int(state["output.bias"].shape[0])
        self.module_ = _network(n_items, self.config)
        self.module_.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
        self.module_.eval()

    def torch_scorer(self) -> Any:
        """A differentiable function: (n, max_length) padded item codes (see `left_padded`) -> (n, n_items)."""
        module = self.module_
        module.eval()
        return lambda sequences: module(sequences)[:, -1]
