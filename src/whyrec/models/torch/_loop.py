"""One small training loop for every PyTorch model: epochs, early stopping on validation NDCG, progress.

Each model supplies a function that runs one epoch and returns its mean loss; this loop decides when to
stop and keeps the best weights. Deliberately not a trainer class: the model owns its data and optimiser.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from whyrec import progress

if TYPE_CHECKING:
    import torch

__all__ = ["TrainingLog", "fit_epochs", "module_state", "seeded", "torch_threads"]

logger = logging.getLogger(__name__)


@dataclass
class TrainingLog:
    """What happened during training.

    Attributes:
        losses: mean training loss per epoch.
        validation: validation NDCG@k per epoch (empty without validation).
        best_epoch: 1-based epoch whose weights were kept.
    """

    losses: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    best_epoch: int = 0


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
) -> TrainingLog:
    """Train for up to `epochs`, stopping when validation NDCG has not improved for `patience` epochs.

    Args:
        module: the network; its best state is restored at the end when validating.
        run_epoch: trains one epoch (argument: 0-based epoch) and returns the mean loss.
        epochs: maximum number of epochs.
        validate: returns validation NDCG@k of the current weights (module in eval mode); None trains all
            epochs.
        patience: epochs without improvement before stopping.
        description: label of the progress bar.
    """
    log = TrainingLog()
    best_state = None
    best = float("-inf")
    stale = 0
    with progress.task(description, total=epochs) as bar:
        for epoch in range(epochs):
            module.train()
            log.losses.append(float(run_epoch(epoch)))
            bar.advance()
            if validate is None:
                log.best_epoch = epoch + 1
                continue
            module.eval()
            score = float(validate())
            log.validation.append(score)
            logger.debug("epoch %d: loss %.4f, validation %.4f", epoch + 1, log.losses[-1], score)
            if score > best:
                best, stale, log.best_epoch = score, 0, epoch + 1
                best_state = copy.deepcopy(module.state_dict())
            else:
                stale += 1
                if stale >= patience:
                    break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return log


def module_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's parameters and buffers as numpy arrays (for ``arrays.npz``)."""
    return {name: tensor.detach().cpu().numpy().copy() for name, tensor in module.state_dict().items()}
