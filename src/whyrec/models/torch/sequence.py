"""What SASRec and GRU4Rec share: how the next item is learned (full or sampled softmax), the time budget,
one- or two-stage training and the thread count. Imports without torch.

The loss is chosen by catalog size (``loss="auto"``): a full softmax costs one logit per catalog item at
every training position, a sampled softmax ``n_negatives + 1``. Up to :data:`FULL_SOFTMAX_MAX_ITEMS` items
the full softmax is cheap and at least as accurate; above it the sampled softmax is the one that trains a
shop-scale catalog in minutes, and it is also the more accurate loss there (eSASRec, Tikhonovich et al.,
arXiv 2508.06450; measured in docs/benchmarks/sequence.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat

from whyrec.models.base import ModelConfig

__all__ = ["FULL_SOFTMAX_MAX_ITEMS", "NextItemConfig", "NextItemLoss", "resolve_loss", "shop_scale"]

#: Largest catalog that ``loss="auto"`` trains with a full softmax.
FULL_SOFTMAX_MAX_ITEMS = 2_048

NextItemLoss = Literal["auto", "softmax", "sampled_softmax"]


class NextItemConfig(ModelConfig):
    """Training options of a next-item model (SASRec, GRU4Rec); each model adds its network's sizes."""

    loss: NextItemLoss = "auto"
    """``softmax`` (every item), ``sampled_softmax`` (the target against `n_negatives` items drawn uniformly,
    shared by a batch), or ``auto``: full softmax up to 2,048 items, sampled above."""
    n_negatives: int = Field(default=256, ge=1)
    """Negative items per batch of the sampled softmax."""
    negative_exponent: float = Field(default=0.0, ge=0.0, le=1.0)
    """The sampled softmax draws negatives in proportion to (training count) ** this: 0 uniformly, 1 by
    popularity, 0.5 between (cornac's and GRU4Rec's default)."""
    in_batch_negatives: bool = False
    """The sampled softmax also scores every target against the batch's other targets (each drawn by
    popularity, so popular items are pushed down more)."""
    logq_correction: bool = False
    """Subtract each candidate's log sampling probability from its logit (the sampled-softmax correction,
    Bengio & Senecal 2008; Yi et al., RecSys 2019): the loss then estimates the full softmax. Without it the
    model learns scores relative to how often an item is drawn, which ranks popular items lower."""
    prefix_training: bool | None = None
    """Train on every prefix of a window as an example of its own, predicting only its newest item (cornac's
    way): the newest item then always sits where scoring puts it, at the last position, at the cost of one
    forward pass per target. False predicts every position of a window in one pass. Unset: the model's
    choice (SASRec: by catalog size; GRU4Rec: False)."""
    max_minutes: PositiveFloat | None = None
    """Wall-clock budget of one fit: the epoch in progress stops when it is spent, its validation still
    runs, and the best weights so far are kept. None: no budget."""
    refit: bool = True
    """Under ``whyrec train``: after early stopping on train against valid, refit on train + valid for the best
    number of epochs (two stages, PROTOCOL.md). False keeps the early-stopped model (one stage, half the time;
    the valid events are then only history, never training targets)."""
    validation_users: int | None = Field(default=10_000, ge=1)
    """Under ``whyrec train``: validation users scored after each epoch (the first N by index; None: all).
    Full-ranking validation of a large shop costs more than an epoch of training."""
    threads: int | None = Field(default=None, ge=1)
    """Torch threads while fitting (None: torch's default). On a busy machine 1 is often faster."""


def shop_scale(n_items: int) -> bool:
    """Whether a catalog of `n_items` is above :data:`FULL_SOFTMAX_MAX_ITEMS` (the sampled-softmax regime)."""
    return n_items > FULL_SOFTMAX_MAX_ITEMS


def resolve_loss(config: NextItemConfig, n_items: int) -> Literal["softmax", "sampled_softmax"]:
    """The loss `config` trains `n_items` items with (``auto`` decided by :data:`FULL_SOFTMAX_MAX_ITEMS`).

    Example:
        >>> resolve_loss(NextItemConfig(), 1_682), resolve_loss(NextItemConfig(), 12_000)
        ('softmax', 'sampled_softmax')
    """
    if config.loss != "auto":
        return config.loss
    return "sampled_softmax" if shop_scale(n_items) else "softmax"
