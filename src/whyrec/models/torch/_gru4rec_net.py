"""GRU4Rec's network (needs torch): item embeddings, one GRU layer, a linear layer to every item's logit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from whyrec.models.torch.gru4rec import GRU4RecConfig

__all__ = ["GRU4RecNet"]


class GRU4RecNet(nn.Module):
    """Padded item codes (index + 1, 0 = padding) -> next-item logits at every position."""

    def __init__(self, n_items: int, cfg: GRU4RecConfig) -> None:
        super().__init__()
        self.item_embedding = nn.Embedding(n_items + 1, cfg.embedding_size, padding_idx=0)
        self.drop = nn.Dropout(cfg.dropout)
        self.gru = nn.GRU(cfg.embedding_size, cfg.hidden_size, batch_first=True)
        self.output = nn.Linear(cfg.hidden_size, n_items)

    def states(self, sequences: torch.Tensor) -> torch.Tensor:
        """(n, length) padded item codes -> (n, length, hidden_size) states (after dropout) at every position."""
        hidden, _ = self.gru(self.drop(self.item_embedding(sequences)))
        states: torch.Tensor = self.drop(hidden)
        return states

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        """(n, length) padded item codes -> (n, length, n_items) next-item logits at every position."""
        logits: torch.Tensor = self.output(self.states(sequences))
        return logits
