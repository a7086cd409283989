"""One small training loop for every PyTorch model: epochs, early stopping on validation NDCG, a time
budget, progress.

Each model supplies a function that runs one epoch and returns its mean loss; this loop decides when to
stop and keeps the best weights, and logs every epoch (loss, validation NDCG, sequences per second). Deliberately
not a trainer class: the model owns its data and optimiser.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from whyrec import progress

if TYPE_CHECKING:
    import torch

__all__ = ["Budget", "TrainingLog", "epoch_label", "fit_epochs", "module_state", "seeded", "torch_threads"]

logger = logging.getLogger(__name__)


@dataclass
class TrainingLog:
    """What happened during training.

    Attributes:
        losses: mean training loss per epoch.
        validation: validation NDCG@k per epoch (empty without validation).
        best_epoch: 1-based epoch whose weights were kept.
        train_seconds: wall-clock seconds of each epoch's training (validation excluded).
        validation_seconds: wall-clock seconds of each epoch's validation.
        sequences_per_second: training examples (a sequence model's windows) per second of each epoch's training;
            empty when the model does not count them.
        stopped_by: ``"epochs"`` (all run), ``"patience"`` (early stopping) or ``"budget"`` (`max_minutes`).
    """

    losses: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    best_epoch: int = 0
    train_seconds: list[float] = field(default_factory=list)
    validation_seconds: list[float] = field(default_factory=list)
    sequences_per_second: list[float] = field(default_factory=list)
    stopped_by: str = "epochs"


@dataclass
class Budget:
    """A wall-clock budget in minutes (None: unlimited), started when made."""

    minutes: float | None
    started: float = field(default_factory=time.perf_counter)

    def expired(self) -> bool:
        """Whether the budget is spent."""
        return self.minutes is not None and time.perf_counter() - self.started >= 60.0 * self.minutes


def epoch_label(name: str, epoch: int, epochs: int, log: TrainingLog) -> str:
    """``SASRec epoch 3/200 (last: valid NDCG@10 0.0412, best 0.0415 at 2; 5,120 seq/s)``: a progress label."""
    facts = []
    if log.validation:
        best = log.validation[log.best_epoch - 1] if log.best_epoch else max(log.validation)
        facts.append(f"valid NDCG {log.validation[-1]:.4f}, best {best:.4f} at {log.best_epoch}")
    if log.sequences_per_second:
        facts.append(f"{log.sequences_per_second[-1]:,.0f} seq/s")
    last = f" (last: {'; '.join(facts)})" if facts else ""
    return f"{name} epoch {epoch + 1}/{epochs}{last}"


def seeded(seed: int) -> torch.Generator:
    """Seed torch's global RNG (dropout, init) and return a generator for sampling."""
    import torch

    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def torch_threads(threads: int | None) -> None:
    """Use `threads` intra-op threads (None leaves torch's default)."""
    import torch

    if threads is not None:
        torch.set_num_threads(threads)


def fit_epochs(
    module: torch.nn.Module,
    run_epoch: Callable[[int], float],
    *,
    epochs: int,
    validate: Callable[[], float] | None = None,
    patience: int = 5,
    description: str = "epochs",
    budget: Budget | None = None,
    sequences: Callable[[], int] | None = None,
    log: TrainingLog | None = None,
) -> TrainingLog:
    """Train for up to `epochs`, stopping when validation NDCG has not improved for `patience` epochs or when
    `budget` is spent (the epoch in progress is cut short by `run_epoch`; its validation still runs).

    Args:
        module: the network; its best state is restored at the end when validating.
        run_epoch: trains one epoch (argument: 0-based epoch) and returns the mean loss.
        epochs: maximum number of epochs.
        validate: returns validation NDCG@k of the current weights (module in eval mode); None trains all
            epochs.
        patience: epochs without improvement before stopping.
        description: label of the progress bar and of the per-epoch log lines.
        budget: wall-clock budget of the whole loop.
        sequences: training examples done in the last epoch (for sequences per second).
        log: the log to fill (a model may read it while training, e.g. for progress labels).
    """
    log = log if log is not None else TrainingLog()
    best_state = None
    best = float("-inf")
    stale = 0
    with progress.task(description, total=epochs) as bar:
        for epoch in range(epochs):
            module.train()
            started = time.perf_counter()
            log.losses.append(float(run_epoch(epoch)))
            log.train_seconds.append(time.perf_counter() - started)
            if sequences is not None:
                log.sequences_per_second.append(sequences() / max(log.train_seconds[-1], 1e-9))
            bar.advance()
            spent = budget is not None and budget.expired()
            if validate is None:
                log.best_epoch = epoch + 1
                _log_epoch(description, epoch, epochs, log)
                if spent:
                    log.stopped_by = "budget"
                    break
                continue
            module.eval()
            started = time.perf_counter()
            score = float(validate())
            log.validation_seconds.append(time.perf_counter() - started)
            log.validation.append(score)
            if score > best:
                best, stale, log.best_epoch = score, 0, epoch + 1
                best_state = copy.deepcopy(module.state_dict())
            else:
                stale += 1
            bar.note(f"valid NDCG {score:.4f}, best {best:.4f} at epoch {log.best_epoch}")
            _log_epoch(description, epoch, epochs, log)
            if spent or stale >= patience:
                log.stopped_by = "budget" if spent else "patience"
                break
    if log.stopped_by == "budget" and budget is not None:
        logger.info("%s: stopped after %d epochs, the %.4g-minute budget (max_minutes) is spent; kept epoch %d",
                    description, len(log.losses), budget.minutes, log.best_epoch)
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return log


def _log_epoch(description: str, epoch: int, epochs: int, log: TrainingLog) -> None:
    facts = [f"loss {log.losses[-1]:.4f}"]
    if log.validation:
        facts.append(f"valid NDCG {log.validation[-1]:.4f} (best {max(log.validation):.4f} at epoch {log.best_epoch})")
    if log.sequences_per_second:
        facts.append(f"{log.sequences_per_second[-1]:,.0f} sequences/s")
    seconds = log.train_seconds[-1] + (log.validation_seconds[-1] if log.validation_seconds else 0.0)
    facts.append(f"{seconds:.1f} s" + (f" ({log.validation_seconds[-1]:.1f} s validation)"
                                       if log.validation_seconds else ""))
    logger.info("%s %d/%d: %s", description, epoch + 1, epochs, ", ".join(facts))


def module_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's parameters and buffers as numpy arrays (for ``arrays.npz``)."""
    return {name: tensor.detach().cpu().numpy().copy() for name, tensor in module.state_dict().items()}
