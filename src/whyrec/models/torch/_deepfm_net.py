"""DeepFM's network (needs torch): field embeddings shared by a factorisation machine and a DNN."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from whyrec.models.torch.deepfm import _PAD, DeepFMConfig

__all__ = ["DeepFMNet"]

#: Score at most this many (history, item) pairs at once.
_PAIRS_PER_CHUNK = 1 << 16


def _table(n: int, width: int, padding: bool) -> nn.Embedding:
    """An embedding table of first-order weight (column 0, starting at 0) plus embedding per value."""
    emb = nn.Embedding(n, width, padding_idx=_PAD if padding else None)
    with torch.no_grad():
        nn.init.normal_(emb.weight, std=0.05)
        emb.weight[:, 0] = 0.0
        if padding:
            emb.weight[_PAD] = 0.0
    return emb


class DeepFMNet(nn.Module):
    """Field vectors (item fields first, then user fields and the history) -> scores.

    Args:
        n_items: items (the ``item`` and ``history`` tables).
        item_vocab: value codes per categorical item attribute.
        user_vocab: value codes per categorical user attribute.
        cfg: the model's hyperparameters.
    """

    def __init__(self, n_items: int, item_vocab: Sequence[int], user_vocab: Sequence[int], cfg: DeepFMConfig) -> None:
        super().__init__()
        width = 1 + cfg.embedding_size
        n_fields = 1 + len(item_vocab) + len(user_vocab) + 1
        self.cfg = cfg
        self.n_item_fields = 1 + len(item_vocab)
        self.item = _table(n_items, width, False)
        self.history = _table(n_items, width, False)
        self.item_attributes = nn.ModuleList(_table(v, width, True) for v in item_vocab)
        self.user_attributes = nn.ModuleList(_table(v, width, True) for v in user_vocab)
        self.bias = nn.Parameter(torch.zeros(()))
        h = cfg.hidden_size
        self.mlp = nn.Sequential(nn.Linear(n_fields * cfg.embedding_size, h), nn.ReLU(), nn.Dropout(cfg.dropout),
                                 nn.Linear(h, h), nn.ReLU(), nn.Dropout(cfg.dropout), nn.Linear(h, 1))

    @staticmethod
    def mean_of(emb: nn.Embedding, codes: torch.Tensor) -> torch.Tensor:
        """(..., max_values) codes -> (..., width) mean of the non-padding values."""
        count = (codes != _PAD).sum(-1, keepdim=True).clamp(min=1)
        return emb(codes).sum(-2) / count

    def item_fields(self, items: torch.Tensor, codes: Sequence[torch.Tensor]) -> torch.Tensor:
        """(...,) item indices -> (..., n_item_fields, width)."""
        parts = [self.item(items)]
        parts += [self.mean_of(emb, c[items]) for emb, c in zip(self.item_attributes, codes, strict=True)]
        return torch.stack(parts, dim=-2)

    def user_fields(self, user_codes: Sequence[torch.Tensor], history: torch.Tensor) -> torch.Tensor:
        """Per-row user codes and (n, width) history vectors -> (n, n_user_fields, width)."""
        parts = [self.mean_of(emb, c) for emb, c in zip(self.user_attributes, user_codes, strict=True)]
        return torch.stack([*parts, history], dim=-2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., n_fields, width) field vectors (item fields first) -> (...,) scores."""
        e = x[..., 1:]
        summed = e.sum(-2)
        pairwise = 0.5 * (summed.pow(2) - e.pow(2).sum(-2)).sum(-1)
        deep = self.mlp(e.flatten(-2)).squeeze(-1)
        return self.bias + x[..., 0].sum(-1) + pairwise + deep

    def score_all(self, xu: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        """(n, n_user_fields, width) and (m, n_item_fields, width) -> (n, m) scores, factored by side.

        Equal to ``forward`` on every concatenated pair, but the FM part is one matrix product and the
        DNN's first layer is applied to each side once.
        """
        eu, ei = xu[..., 1:], xi[..., 1:]
        su, si = eu.sum(1), ei.sum(1)
        own_u = xu[..., 0].sum(-1) + 0.5 * (su.pow(2) - eu.pow(2).sum(1)).sum(-1)
        own_i = xi[..., 0].sum(-1) + 0.5 * (si.pow(2) - ei.pow(2).sum(1)).sum(-1)
        first = self.mlp[0]
        split = self.n_item_fields * self.cfg.embedding_size
        pre_i = ei.flatten(1) @ first.weight[:, :split].T + first.bias
        pre_u = eu.flatten(1) @ first.weight[:, split:].T
        rest = self.mlp[1:]
        out = torch.empty(len(xu), len(xi))
        step = max(1, _PAIRS_PER_CHUNK // max(1, len(xi)))
        for lo in range(0, len(xu), step):
            hidden = pre_u[lo:lo + step, None, :] + pre_i[None]
            deep = rest(hidden).squeeze(-1)
            out[lo:lo + step] = self.bias + own_u[lo:lo + step, None] + own_i[None] + su[lo:lo + step] @ si.T + deep
        return out
