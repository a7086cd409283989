"""SASRec's network (needs torch): causal self-attention blocks over item and position embeddings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from whyrec.models.torch.sasrec import SASRecConfig

__all__ = ["SASRecBlock", "SASRecNet"]


def _dropout(cfg: SASRecConfig) -> float:
    if cfg.dropout is None:
        raise ValueError("SASRec's network needs a resolved config (whyrec.models.torch.sasrec.resolved_config)")
    return cfg.dropout


class SASRecBlock(nn.Module):
    """One pre-norm self-attention block with a feed-forward layer; keeps its attention weights on request."""

    def __init__(self, cfg: SASRecConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.embedding_size)
        self.attention = nn.MultiheadAttention(cfg.embedding_size, cfg.attention_heads, dropout=_dropout(cfg),
                                               batch_first=True)
        self.norm2 = nn.LayerNorm(cfg.embedding_size)
        self.ffn = nn.Sequential(nn.Linear(cfg.embedding_size, cfg.embedding_size), nn.GELU(),
                                 nn.Dropout(_dropout(cfg)), nn.Linear(cfg.embedding_size, cfg.embedding_size))
        self.drop = nn.Dropout(_dropout(cfg))

    def forward(self, x: torch.Tensor, mask: torch.Tensor, keep: list[torch.Tensor] | None) -> torch.Tensor:
        q = self.norm1(x)
        out, weights = self.attention(q, q, q, attn_mask=mask, need_weights=keep is not None,
                                      average_attn_weights=False)
        if keep is not None:
            keep.append(weights)
        x = x + self.drop(out)
        states: torch.Tensor = x + self.drop(self.ffn(self.norm2(x)))
        return states


class SASRecNet(nn.Module):
    """Item ids (index + 1, 0 = padding) -> per-position states -> scores of every item."""

    def __init__(self, n_items: int, cfg: SASRecConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.items = nn.Embedding(n_items + 1, cfg.embedding_size, padding_idx=0)  # 0 = padding
        self.positions = nn.Embedding(cfg.max_length, cfg.embedding_size)
        self.drop = nn.Dropout(_dropout(cfg))
        self.blocks = nn.ModuleList(SASRecBlock(cfg) for _ in range(cfg.n_layers))
        self.norm = nn.LayerNorm(cfg.embedding_size)
        self.bias = nn.Parameter(torch.zeros(n_items))  # per-item output bias: popularity needs no state
        # separate output vectors: what follows an item need not look like it (the transition is not symmetric)
        self.output = nn.Parameter(torch.randn(n_items, cfg.embedding_size) * cfg.embedding_size ** -0.5) \
            if cfg.separate_output else None
        # unit-scale inputs after the sqrt(d) scaling, and logits of order one at the start: nn.Embedding's
        # N(0, 1) init, scaled by sqrt(d), gives logits of order d and a slow, unstable start
        nn.init.normal_(self.items.weight, std=cfg.embedding_size ** -0.5)
        nn.init.normal_(self.positions.weight, std=0.02)
        with torch.no_grad():
            self.items.weight[0].zero_()

    def encode(self, embedded: torch.Tensor, ids: torch.Tensor,
               keep: list[torch.Tensor] | None = None) -> torch.Tensor:
        cfg = self.cfg
        length = ids.shape[1]
        x = self.drop(embedded * cfg.embedding_size ** 0.5 + self.positions.weight[-length:])
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        eye = torch.eye(length, dtype=torch.bool)
        # mask future positions and padded keys, but let every position see itself: a padded query whose
        # every key is masked would get NaN attention (left padding + causal mask make such rows)
        mask = causal | ((ids == 0)[:, None, :] & ~eye)
        mask = mask.repeat_interleave(cfg.attention_heads, dim=0)
        for block in self.blocks:
            x = block(x, mask, keep)
        states: torch.Tensor = self.norm(x)
        return states

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """(n, L) padded item ids -> (n, L, d) states; position L-1 summarises the whole history."""
        return self.encode(self.items(ids), ids)

    def output_items(self) -> torch.Tensor:
        """(n_items, d) the vectors a state is scored against: the output ones, or the input embeddings."""
        return self.items.weight[1:] if self.output is None else self.output

    def scores(self, states: torch.Tensor) -> torch.Tensor:
        return states @ self.output_items().T + self.bias
