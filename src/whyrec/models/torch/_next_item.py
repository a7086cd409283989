"""Next-item training shared by SASRec and GRU4Rec (needs torch): batches of windows, full or sampled
softmax, the time budget and the per-epoch progress.

A network supplies `encode` (padded windows -> a state per position) and `output` (the item matrix and
bias that turn a state into logits); this module does the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from whyrec import progress
from whyrec.models.torch._loop import Budget, TrainingLog, epoch_label, fit_epochs
from whyrec.models.torch.sequence import NextItemConfig, resolve_loss

__all__ = ["NextItemNetwork", "fit_next_item", "next_item_loss"]

logger = logging.getLogger(__name__)

_BUCKET = 64  # batches whose windows are sorted by length together: batches of similar lengths, still shuffled


@dataclass(frozen=True)
class NextItemNetwork:
    """How to train a network on next items.

    Attributes:
        module: the network (its parameters are optimised; its best state is kept).
        encode: (n, L) padded item codes (index + 1, 0 = padding) -> (n, L, d) states.
        output: () -> ((n_items, d) item matrix, (n_items,) bias): logit of item i = state . matrix[i] + bias[i].
        trim_padding: a batch may drop the padding columns that no window of it uses (exact for attention
            with right-aligned positions; not for a recurrent network, whose state runs over the padding).
    """

    module: torch.nn.Module
    encode: Callable[[torch.Tensor], torch.Tensor]
    output: Callable[[], tuple[torch.Tensor, torch.Tensor]]
    trim_padding: bool


def next_item_loss(states: torch.Tensor, targets: torch.Tensor, matrix: torch.Tensor, bias: torch.Tensor, *,
                   sampled: bool, n_negatives: int, generator: torch.Generator) -> torch.Tensor:
    """Mean cross-entropy of the target items.

    Args:
        states: (n, d) one state per prediction.
        targets: (n,) item indices.
        matrix: (n_items, d) output item vectors; bias: (n_items,).
        sampled: False: softmax over every item. True: over the target and `n_negatives` items drawn uniformly
            (shared by the batch; a draw equal to a row's target is masked out). With uniform draws the
            sampled logits need no log-probability correction.
        n_negatives: negatives per batch when sampled.
        generator: draws the negatives.
    """
    if not sampled:
        return torch.nn.functional.cross_entropy(states @ matrix.T + bias, targets)
    negatives = torch.randint(0, matrix.shape[0], (n_negatives,), generator=generator)
    positive = (states * matrix[targets]).sum(-1, keepdim=True) + bias[targets, None]
    negative = states @ matrix[negatives].T + bias[negatives]
    negative = negative.masked_fill(negatives[None, :] == targets[:, None], float("-inf"))
    logits = torch.cat([positive, negative], dim=1)
    return torch.nn.functional.cross_entropy(logits, torch.zeros(len(targets), dtype=torch.long))


def _batches(lengths: torch.Tensor, batch_size: int, generator: torch.Generator,
             bucket: bool) -> Iterator[torch.Tensor]:
    """Window indices of each batch in a random order; with `bucket`, windows of similar length together."""
    order = torch.randperm(len(lengths), generator=generator)
    if not bucket:
        yield from torch.split(order, batch_size)
        return
    batches: list[torch.Tensor] = []
    for chunk in torch.split(order, batch_size * _BUCKET):
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches.extend(torch.split(chunk, batch_size))
    for i in torch.randperm(len(batches), generator=generator).tolist():
        yield batches[i]


def fit_next_item(net: NextItemNetwork, windows: np.ndarray, config: NextItemConfig, *, n_items: int,
                  learning_rate: float, regularization: float, batch_size: int, epochs: int, patience: int,
                  validate: Callable[[], float] | None, generator: torch.Generator, name: str) -> TrainingLog:
    """Train `net` to predict, at every position of every window, the item that follows.

    Args:
        net: the network and how to read it.
        windows: (n_windows, L + 1) padded item codes (see `whyrec.models.torch.gru4rec.training_windows`).
        config: loss, negatives, budget and threads.
        n_items: catalog size (chooses the loss under ``loss="auto"``).
        learning_rate, regularization: Adam's step size and weight decay.
        batch_size, epochs, patience: windows per update, most epochs, early-stopping patience.
        validate: validation NDCG@k of the current weights, or None.
        generator: shuffles the windows and draws negatives.
        name: the model's name in progress labels and log lines.
    """
    sampled = resolve_loss(config, n_items) == "sampled_softmax"
    data = torch.from_numpy(windows)
    lengths = (data[:, :-1] > 0).sum(1)
    optimizer = torch.optim.Adam(net.module.parameters(), lr=learning_rate, weight_decay=regularization)
    budget = Budget(config.max_minutes)
    log = TrainingLog()
    done = [0]
    n_batches = -(-len(data) // batch_size)
    logger.info("%s: %d windows of up to %d items, %s%s", name, len(data), data.shape[1] - 1,
                f"sampled softmax ({config.n_negatives} negatives)" if sampled else f"full softmax ({n_items} items)",
                f", budget {config.max_minutes:g} min" if config.max_minutes else "")

    def run_epoch(epoch: int) -> float:
        total, count = 0.0, 0
        done[0] = 0
        with progress.task(epoch_label(name, epoch, epochs, log), total=n_batches) as bar:
            for index in _batches(lengths, batch_size, generator, bucket=net.trim_padding):
                if budget.expired():
                    break
                batch = data[index]
                if net.trim_padding:
                    batch = batch[:, data.shape[1] - 1 - int(lengths[index].max()):]
                inputs, targets = batch[:, :-1], batch[:, 1:]
                mask = inputs > 0  # no prediction from the padding (the first item has nothing before it)
                matrix, bias = net.output()
                loss = next_item_loss(net.encode(inputs)[mask], targets[mask] - 1, matrix, bias, sampled=sampled,
                                      n_negatives=config.n_negatives, generator=generator)
                optimizer.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward unannotated
                optimizer.step()
                n = int(mask.sum())
                total += loss.item() * n
                count += n
                done[0] += len(index)
                bar.advance()
        return total / max(1, count)

    previous = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        return fit_epochs(net.module, run_epoch, epochs=epochs, patience=patience, validate=validate,
                          description=f"{name} epochs", budget=budget, sequences=lambda: done[0], log=log)
    finally:
        torch.set_num_threads(previous)
