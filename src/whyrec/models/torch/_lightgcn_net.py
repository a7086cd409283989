"""LightGCN's network (needs torch): the layer-0 user and item embeddings that propagation smooths."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LightGCNEmbeddings"]


class LightGCNEmbeddings(nn.Module):
    """Layer-0 embeddings of every user and item; ``forward`` stacks them, users first."""

    def __init__(self, n_users: int, n_items: int, embedding_size: int) -> None:
        super().__init__()
        self.user_embedding = nn.Embedding(n_users, embedding_size)
        self.item_embedding = nn.Embedding(n_items, embedding_size)
        # the paper initialises with N(0, 0.1^2)
        nn.init.normal_(self.user_embedding.weight, std=0.1)
        nn.init.normal_(self.item_embedding.weight, std=0.1)

    def forward(self) -> torch.Tensor:
        return torch.cat([self.user_embedding.weight, self.item_embedding.weight], 0)
