"""SASRec: self-attentive sequential recommendation (Kang & McAuley, ICDM 2018)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.torch._loop import TrainingLog, fit_epochs, module_state, seeded
from whyrec.models.torch.gru4rec import training_windows

if TYPE_CHECKING:
    import torch

    from whyrec.models.torch._sasrec_net import SASRecNet

__all__ = ["AttentionMaps", "SASRec", "SASRecConfig"]


class SASRecConfig(ModelConfig):
    """SASRec hyperparameters (defaults tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    embedding_size: int = Field(default=64, ge=2)
    """Width of item and position embeddings."""
    n_layers: int = Field(default=2, ge=1)
    """Self-attention blocks."""
    attention_heads: int = Field(default=1, ge=1)
    """Heads per block (must divide embedding_size)."""
    max_length: int = Field(default=50, ge=2)
    """Most recent events a history is cut to."""
    dropout: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Dropout on embeddings, attention and feed-forward layers."""
    learning_rate: PositiveFloat = 2e-3
    """Adam step size."""
    regularization: NonNegativeFloat = 0.0
    """Adam weight decay."""
    batch_size: int = Field(default=64, ge=1)
    """Windows per update."""
    epochs: int = Field(default=200, ge=1)
    """Most passes over the users (fewer when validation stops training early)."""
    patience: int = Field(default=10, ge=1)
    """Epochs without validation improvement before stopping."""


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

    Trained to predict the next item at every position with a full softmax over every window of each user's
    sequence (the windows GRU4Rec trains on), with a per-item output bias. A new history is scored by running it through the same network, and the
    attention of every layer and head is available for explanations (:meth:`attention`). Kang & McAuley,
    "Self-Attentive Sequential Recommendation", ICDM 2018.
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
        import torch

        cfg = self.config
        generator = seeded(cfg.seed)
        self.module_ = _network(dataset.n_items, cfg)
        self.n_items_ = dataset.n_items
        windows = torch.from_numpy(training_windows(dataset.user_indptr, dataset.events.item, cfg.max_length))
        optimizer = torch.optim.Adam(self.module_.parameters(), lr=cfg.learning_rate, weight_decay=cfg.regularization)

        def run_epoch(_epoch: int) -> float:
            order = torch.randperm(len(windows), generator=generator)
            total, count = 0.0, 0
            for lo in range(0, len(order), cfg.batch_size):
                batch = windows[order[lo:lo + cfg.batch_size]]
                inputs, targets = batch[:, :-1], batch[:, 1:]
                mask = inputs > 0  # no prediction from the padding
                logits = self.module_.scores(self.module_(inputs)[mask])
                loss = torch.nn.functional.cross_entropy(logits, targets[mask] - 1)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * int(mask.sum())
                count += int(mask.sum())
            return total / max(1, count)

        validation = self.validation_
        self.training_log_: TrainingLog = fit_epochs(
            self.module_, run_epoch, epochs=cfg.epochs, patience=cfg.patience, description="SASRec epochs",
            validate=(lambda: validation.ndcg(self)) if validation is not None else None)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        import torch

        ids = torch.from_numpy(np.stack([self._ids(h)[0] for h in histories]) if len(histories)
                               else np.zeros((0, self.config.max_length), dtype=np.int64))
        self.module_.eval()
        out = []
        with torch.no_grad():
            for lo in range(0, len(ids), 1024):
                states = self.module_(ids[lo:lo + 1024])[:, -1]
                out.append(self.module_.scores(states).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.n_items_ or 0), dtype=np.float32)

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
        self.module_ = _network(n_items, self.config)
        self.module_.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
        self.module_.eval()
