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

__all__ = ["NegativeSampler", "NextItemNetwork", "fit_next_item", "next_item_loss"]

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


@dataclass(frozen=True)
class NegativeSampler:
    """How a sampled softmax picks the items a target competes with.

    Attributes:
        n_negatives: items drawn per batch (shared by every row of it).
        log_q: (n_items,) log-probability of drawing each item (uniform, or by count ** exponent).
        log_target: (n_items,) log-probability of an item being a batch's target (its share of training
            targets): the draw probability of an in-batch negative.
        in_batch: also score each row against the batch's other targets.
        correct: subtract each candidate's log draw probability from its logit.
        uniform: the draws are uniform (`log_q` is constant).
    """

    n_negatives: int
    log_q: torch.Tensor
    log_target: torch.Tensor
    in_batch: bool
    correct: bool
    uniform: bool

    @classmethod
    def of(cls, counts: np.ndarray, config: NextItemConfig) -> NegativeSampler:
        """From the training count of every item and the config's sampling options."""
        weights = (counts.astype(np.float64) + 1.0) ** config.negative_exponent  # + 1: an unseen item can be drawn
        targets = counts.astype(np.float64) + 1.0
        return cls(config.n_negatives, torch.from_numpy(np.log(weights / weights.sum())).float(),
                   torch.from_numpy(np.log(targets / targets.sum())).float(), config.in_batch_negatives,
                   config.logq_correction, config.negative_exponent == 0.0)

    def candidates(self, targets: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(m,) candidate items of a batch whose rows have `targets`, and (m,) the log draw probability of each."""
        if self.uniform:
            drawn = torch.randint(0, len(self.log_q), (self.n_negatives,), generator=generator)
        else:
            drawn = torch.multinomial(self.log_q.exp(), self.n_negatives, replacement=True, generator=generator)
        if not self.in_batch:
            return drawn, self.log_q[drawn]
        return torch.cat([targets, drawn]), torch.cat([self.log_target[targets], self.log_q[drawn]])


def next_item_loss(states: torch.Tensor, targets: torch.Tensor, matrix: torch.Tensor, bias: torch.Tensor, *,
                   sampler: NegativeSampler | None, generator: torch.Generator) -> torch.Tensor:
    """Mean cross-entropy of the target items.

    Args:
        states: (n, d) one state per prediction.
        targets: (n,) item indices.
        matrix: (n_items, d) output item vectors; bias: (n_items,).
        sampler: None: softmax over every item. Otherwise over the target and the candidates `sampler`
            draws for the batch (a candidate equal to a row's target is masked out of that row).
        generator: draws the negatives.
    """
    if sampler is None:
        return torch.nn.functional.cross_entropy(states @ matrix.T + bias, targets)
    candidates, log_q = sampler.candidates(targets, generator)
    positive = (states * matrix[targets]).sum(-1, keepdim=True) + bias[targets, None]
    negative = states @ matrix[candidates].T + bias[candidates]
    if sampler.correct:  # the target is corrected by the draw it would have come from: the batch's, or the sampler's
        positive = positive - (sampler.log_target if sampler.in_batch else sampler.log_q)[targets, None]
        negative = negative - log_q
    negative = negative.masked_fill(candidates[None, :] == targets[:, None], float("-inf"))
    logits = torch.cat([positive, negative], dim=1)
    return torch.nn.functional.cross_entropy(logits, torch.zeros(len(targets), dtype=torch.long))


def prefix_windows(windows: np.ndarray) -> np.ndarray:
    """Every prefix of every window that ends in a target, left-padded to the same width.

    Example:
        >>> prefix_windows(np.array([[0, 4, 5, 6]]))
        array([[0, 0, 4, 5],
               [0, 4, 5, 6]])
    """
    width = windows.shape[1]
    rows, ends = np.nonzero(windows[:, :-1] > 0)  # a real input at column c predicts the item at c + 1
    ends = ends + 1
    source = ends[:, None] - (width - 1) + np.arange(width)  # column j of a prefix reads column source[j]
    out = windows[rows[:, None], np.clip(source, 0, None)]
    return np.where(source >= 0, out, 0)


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
                  validate: Callable[[], float] | None, generator: torch.Generator, name: str,
                  prefixes: bool = False) -> TrainingLog:
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
        prefixes: train on every prefix of a window, predicting only its newest item (`prefix_windows`).
    """
    data = torch.from_numpy(prefix_windows(windows) if prefixes else windows)
    lengths = (data[:, :-1] > 0).sum(1)
    sampled = resolve_loss(config, n_items) == "sampled_softmax"
    sampler = None
    if sampled:
        observed = windows[:, 1:][windows[:, :-1] > 0] - 1  # every training target once (windows overlap by one)
        sampler = NegativeSampler.of(np.bincount(observed, minlength=n_items), config)
    optimizer = torch.optim.Adam(net.module.parameters(), lr=learning_rate, weight_decay=regularization)
    budget = Budget(config.max_minutes)
    log = TrainingLog()
    done = [0]
    n_batches = -(-len(data) // batch_size)
    logger.info("%s: %d %s of up to %d items, %s%s", name, len(data), "prefixes" if prefixes else "windows",
                data.shape[1] - 1,
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
                if prefixes:
                    mask[:, :-1] = False
                matrix, bias = net.output()
                loss = next_item_loss(net.encode(inputs)[mask], targets[mask] - 1, matrix, bias, sampler=sampler,
                                      generator=generator)
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
