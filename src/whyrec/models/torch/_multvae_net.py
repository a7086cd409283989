"""Mult-VAE's network (needs torch): an encoder to a latent Gaussian and a decoder to every item's logit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from whyrec.models.torch.multvae import MultVAEConfig

__all__ = ["MultVAENet"]


class MultVAENet(nn.Module):
    """(n, n_items) histories -> (logits, mu, logvar); in eval mode the latent is the mean."""

    def __init__(self, n_items: int, cfg: MultVAEConfig) -> None:
        super().__init__()
        self.drop = nn.Dropout(cfg.dropout)
        self.encoder = nn.Sequential(nn.Linear(n_items, cfg.hidden_size), nn.Tanh(),
                                     nn.Linear(cfg.hidden_size, 2 * cfg.embedding_size))
        self.decoder = nn.Sequential(nn.Linear(cfg.embedding_size, cfg.hidden_size), nn.Tanh(),
                                     nn.Linear(cfg.hidden_size, n_items))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.drop(nn.functional.normalize(x, dim=1))
        mu, logvar = self.encoder(h).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decoder(z), mu, logvar
