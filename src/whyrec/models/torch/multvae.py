"""Mult-VAE: variational autoencoder with a multinomial likelihood (Liang et al., WWW 2018)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.torch._loop import TrainingLog, fit_epochs, module_state, seeded

if TYPE_CHECKING:
    from whyrec.models.torch._multvae_net import MultVAENet

__all__ = ["ANNEAL_EPOCHS", "MultVAE", "MultVAEConfig"]

#: Epochs over which the KL weight grows to its cap when `anneal_steps` is unset.
ANNEAL_EPOCHS = 25


class MultVAEConfig(ModelConfig):
    """Mult-VAE hyperparameters (paper defaults, epochs tuned on ml-100k validation)."""

    embedding_size: int = Field(default=200, ge=1)
    """Latent dimension."""
    hidden_size: int = Field(default=600, ge=1)
    """Width of the encoder's and decoder's hidden layer."""
    dropout: float = Field(default=0.5, ge=0.0, lt=1.0)
    """Dropout on the input history."""
    kl_weight: NonNegativeFloat = 0.2
    """Largest weight of the KL term (the paper's beta), reached after `anneal_steps` updates."""
    anneal_steps: int | None = Field(default=None, ge=1)
    """Updates over which the KL weight grows linearly from 0. Unset: the updates of :data:`ANNEAL_EPOCHS`
    epochs, so that the weight reaches `kl_weight` within an early-stopped run on any number of users (the
    paper's 200,000 updates on ML-20M, or a fixed 20,000, are 2,500 epochs of ml-100k: the KL term never
    counted, ml-100k test NDCG@10 0.1700 against 0.1835, docs/benchmarks/accuracy.md)."""
    learning_rate: PositiveFloat = 1e-3
    """Adam step size."""
    regularization: NonNegativeFloat = 0.0
    """Adam weight decay."""
    batch_size: int = Field(default=128, ge=1)
    """Users per update."""
    epochs: int = Field(default=200, ge=1)
    """Most passes over the users (fewer when validation stops training early)."""
    patience: int = Field(default=10, ge=1)
    """Epochs without validation improvement before stopping."""


def _network(n_items: int, cfg: MultVAEConfig) -> MultVAENet:
    from whyrec.models.torch._multvae_net import MultVAENet

    return MultVAENet(n_items, cfg)


class MultVAE(BaseRecommender[MultVAEConfig]):
    """Encodes the (normalised, binary) history into a latent Gaussian and decodes a softmax over all items.

    Scoring a new history is one forward pass through the encoder's mean, so any history is scored the same
    way as a training user. Liang, Krishnan, Hoffman & Jebara, "Variational Autoencoders for Collaborative
    Filtering", WWW 2018.
    """

    name = "multvae"
    config_class = MultVAEConfig

    def _fit(self, dataset: Dataset) -> None:
        import torch

        cfg = self.config
        generator = seeded(cfg.seed)
        self.module_ = _network(dataset.n_items, cfg)
        self.n_items_ = dataset.n_items  # scoring works during training (validation)
        x = dataset.interactions.copy()
        x.data[:] = 1.0
        rows = x[np.diff(x.indptr) > 0]
        optimizer = torch.optim.Adam(self.module_.parameters(), lr=cfg.learning_rate, weight_decay=cfg.regularization)
        self.anneal_steps_ = cfg.anneal_steps or ANNEAL_EPOCHS * -(-rows.shape[0] // cfg.batch_size)
        step = 0

        def run_epoch(_epoch: int) -> float:
            nonlocal step
            order = torch.randperm(rows.shape[0], generator=generator).numpy()
            total = 0.0
            for lo in range(0, len(order), cfg.batch_size):
                batch = torch.from_numpy(rows[order[lo:lo + cfg.batch_size]].toarray())
                logits, mu, logvar = self.module_(batch)
                likelihood = -(torch.log_softmax(logits, 1) * batch).sum(1).mean()
                kl = -0.5 * torch.mean(torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1))
                beta = cfg.kl_weight * min(1.0, step / self.anneal_steps_)
                loss = likelihood + beta * kl
                optimizer.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward unannotated
                optimizer.step()
                step += 1
                total += loss.item() * len(batch)
            return total / max(1, len(order))

        validation = self.validation_
        self.training_log_: TrainingLog = fit_epochs(
            self.module_, run_epoch, epochs=cfg.epochs, patience=cfg.patience, description="Mult-VAE epochs",
            validate=(lambda: validation.ndcg(self)) if validation is not None else None)

    def torch_input(self, dense: Any) -> Any:
        """The representation integrated gradients walks along: the L2-normalised history.

        The network is scale-invariant in the raw history (it normalises first), so a straight path from
        the empty history would leave every score constant and every gradient along it zero.
        """
        import torch

        return torch.nn.functional.normalize(dense, dim=1)

    def torch_scorer(self) -> Any:
        """f(normalised (n, n_items) history) -> (n, n_items) scores, differentiable (for captum)."""
        module = self.module_
        module.eval()

        def forward(normalised: Any) -> Any:
            mu, _ = module.encoder(normalised).chunk(2, dim=1)
            return module.decoder(mu)

        return forward

    def _score(self, histories: HistoryBatch) -> FloatArray:
        import torch

        self.module_.eval()
        with torch.no_grad():
            logits = self.module_(torch.from_numpy(histories.binary.toarray()))[0]
        scores: FloatArray = logits.numpy()
        return scores

    def state(self) -> dict[str, np.ndarray]:
        return module_state(self.module_)

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        import torch

        n_items = int(state["decoder.2.bias"].shape[0])
        self.module_ = _network(n_items, self.config)
        self.module_.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
        self.module_.eval()
