"""LightGCN: linear propagation over the user-item graph, trained with BPR (He et al., SIGIR 2020)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.torch._loop import TrainingLog, fit_epochs, module_state, seeded

if TYPE_CHECKING:
    import torch

    from whyrec.models.torch._lightgcn_net import LightGCNEmbeddings

__all__ = ["LightGCN", "LightGCNConfig"]

logger = logging.getLogger(__name__)


class LightGCNConfig(ModelConfig):
    """LightGCN hyperparameters, chosen on the ml-100k validation split (the paper uses 64 factors, 3 layers,
    a penalty of 1e-4 and a step size of 1e-3; on ml-100k one layer and a stronger penalty rank better)."""

    embedding_size: int = Field(default=128, ge=1)
    """Size of the user and item embeddings (layer 0)."""
    n_layers: int = Field(default=1, ge=1)
    """Propagation layers K; the final embedding is the mean of layers 0..K (at least 1: the fold-in reads
    what a history's items send at layers 0..K-1)."""
    learning_rate: PositiveFloat = 5e-3
    """Adam step size."""
    regularization: NonNegativeFloat = 1e-2
    """L2 penalty on the layer-0 embeddings of each batch (the paper's lambda)."""
    batch_size: int = Field(default=2048, ge=1)
    """(user, positive, negative) triples per update."""
    epochs: int = Field(default=30, ge=1)
    """Most passes over the training interactions (fewer when validation stops training early); 30 is about
    the best epoch on ml-100k validation (29), so a plain `fit` is the tuned model."""
    patience: int = Field(default=10, ge=1)
    """Epochs without validation improvement before stopping."""


def _network(n_users: int, n_items: int, embedding_size: int) -> LightGCNEmbeddings:
    from whyrec.models.torch._lightgcn_net import LightGCNEmbeddings

    return LightGCNEmbeddings(n_users, n_items, embedding_size)


def _normalised_graph(binary: sp.csr_array) -> tuple[Any, np.ndarray, np.ndarray]:
    """The symmetric normalised adjacency D^-1/2 A D^-1/2 of the bipartite graph, as a torch sparse tensor.

    Returns:
        (graph, user_degree, item_degree): graph is (n_users + n_items) square; degrees are float64.
    """
    import torch

    n_users, n_items = binary.shape
    coo = sp.coo_array(binary)
    user_degree = np.asarray(binary.sum(1)).ravel().astype(np.float64)
    item_degree = np.asarray(binary.sum(0)).ravel().astype(np.float64)
    norm = 1.0 / np.sqrt(user_degree[coo.row] * item_degree[coo.col])
    rows = np.concatenate([coo.row, coo.col + n_users])
    cols = np.concatenate([coo.col + n_users, coo.row])
    values = np.concatenate([norm, norm]).astype(np.float32)
    indices = torch.from_numpy(np.vstack([rows, cols]).astype(np.int64))
    graph = torch.sparse_coo_tensor(indices, torch.from_numpy(values), (n_users + n_items,) * 2,
                                    check_invariants=True).coalesce()
    return graph, user_degree, item_degree


def _propagate(ego: torch.Tensor, graph: Any, n_layers: int) -> list[torch.Tensor]:
    """Layers 0..K of the propagation e^(k+1) = Â e^(k)."""
    layers = [ego]
    for _ in range(n_layers):
        layers.append(graph @ layers[-1])
    return layers


class LightGCN(BaseRecommender[LightGCNConfig]):
    """Light graph convolution: embeddings are smoothed over the user-item graph with no weights or non-linearity.

    Training follows the paper: layer-0 embeddings ``e^(0)`` for every user and item, K propagation layers
    ``e^(k+1) = D^-1/2 A D^-1/2 e^(k)`` over the bipartite interaction graph, the final embedding the mean of
    layers 0..K, and a BPR loss on one uniformly sampled unseen item per observed (user, item) pair, with an
    L2 penalty on the batch's layer-0 embeddings.

    **Fold-in (how any history is scored).** A user's final embedding is
    ``e_u = (e_u^(0) + sum_{k<K} sum_{i in h} e_i^(k) / sqrt(|h| deg_i)) / (K + 1)``: its own layer-0 vector
    plus what its items send it at each layer. A history that was not in training has no layer-0 vector, so
    every history, known user or not, is scored with the propagated part alone::

        u(h) = sum_{i in h} f_i / sqrt(|h|),    f_i = sum_{k<K} e_i^(k) / ((K + 1) sqrt(deg_i))

    where ``h`` is the set of distinct history items, ``deg_i`` the item's training degree and ``e_i^(k)``
    the item's layer-k embedding on the training graph (items without training events contribute nothing).
    For a training user this is exactly its learned embedding without the ``e_u^(0) / (K + 1)`` term, and it
    is what validation scores during training, so early stopping picks the weights that fold in best. The
    score is ``u(h) . e_i`` with ``e_i`` the final item embeddings. `torch_scorer` exposes the same
    function of the dense history vector to captum (with ``|h|`` the vector's sum).

    He, Deng, Wang, Li, Zhang & Wang, "LightGCN: Simplifying and Powering Graph Convolution Network for
    Recommendation", SIGIR 2020.
    """

    name = "lightgcn"
    config_class = LightGCNConfig

    def _fit(self, dataset: Dataset) -> None:
        import torch

        cfg = self.config
        generator = seeded(cfg.seed)
        binary = dataset.interactions.copy()
        binary.data[:] = 1.0
        binary.eliminate_zeros()
        n_users, n_items = binary.shape
        self.module_ = _network(n_users, n_items, cfg.embedding_size)
        graph, _, item_degree = _normalised_graph(binary)
        self.item_degree_ = item_degree
        self.graph_ = graph
        self.n_items_ = n_items  # scoring works during training (validation)
        coo = sp.coo_array(binary)
        users = torch.from_numpy(coo.row.astype(np.int64))
        positives = torch.from_numpy(coo.col.astype(np.int64))
        seen = np.sort(coo.row.astype(np.int64) * n_items + coo.col)
        active = torch.from_numpy(dataset.active_items.astype(np.int64))
        optimizer = torch.optim.Adam(self.module_.parameters(), lr=cfg.learning_rate)

        def negatives_for(batch_users: torch.Tensor) -> torch.Tensor:
            # uniform over the active items; resample the few that hit a seen item (vectorised rejection)
            draw = active[torch.randint(len(active), (len(batch_users),), generator=generator)]
            for _ in range(5):
                keys = batch_users.numpy() * n_items + draw.numpy()
                at = np.minimum(np.searchsorted(seen, keys), len(seen) - 1)
                clash = torch.from_numpy(seen[at] == keys)
                if not bool(clash.any()):
                    break
                redraw = active[torch.randint(len(active), (int(clash.sum()),), generator=generator)]
                draw = draw.clone()
                draw[clash] = redraw
            return draw

        def run_epoch(_epoch: int) -> float:
            order = torch.randperm(len(users), generator=generator)
            total = 0.0
            for lo in range(0, len(order), cfg.batch_size):
                take = order[lo:lo + cfg.batch_size]
                u, p = users[take], positives[take]
                n = negatives_for(u)
                ego = self.module_()
                final = torch.stack(_propagate(ego, graph, cfg.n_layers)).mean(0)
                eu, ep, en = final[u], final[n_users + p], final[n_users + n]
                bpr = -torch.nn.functional.logsigmoid((eu * ep).sum(1) - (eu * en).sum(1)).mean()
                penalty = (ego[u].pow(2).sum() + ego[n_users + p].pow(2).sum()
                           + ego[n_users + n].pow(2).sum()) / (2 * len(take))
                loss = bpr + cfg.regularization * penalty
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(take)
            return total / max(1, len(order))

        validation = self.validation_

        def validate() -> float:
            self._refresh()
            return validation.ndcg(self) if validation is not None else 0.0

        self.training_log_: TrainingLog = fit_epochs(
            self.module_, run_epoch, epochs=cfg.epochs, patience=cfg.patience, description="LightGCN epochs",
            validate=validate if validation is not None else None)
        self._refresh()
        logger.info("fitted LightGCN on %dx%d, best epoch %d", n_users, n_items, self.training_log_.best_epoch)

    def _refresh(self) -> None:
        """Recompute the final item embeddings and the fold-in vectors from the current weights."""
        import torch

        cfg = self.config
        n_users = self.module_.user_embedding.weight.shape[0]
        with torch.no_grad():
            layers = [x[n_users:] for x in _propagate(self.module_(), self.graph_, cfg.n_layers)]
            final = torch.stack(layers).mean(0).numpy()
            sent = torch.stack(layers[:-1]).sum(0).numpy()
        with np.errstate(divide="ignore"):
            scale = np.where(self.item_degree_ > 0, 1.0 / ((cfg.n_layers + 1) * np.sqrt(self.item_degree_)), 0.0)
        self.item_embeddings_: np.ndarray = np.ascontiguousarray(final, dtype=np.float32)
        self.fold_in_: np.ndarray = (sent * scale[:, None]).astype(np.float32)

    def user_embeddings(self, histories: HistoryBatch) -> FloatArray:
        """Fold-in embeddings of any histories (see the class docstring).

        Returns:
            (n_histories, embedding_size) float32.
        """
        x = histories.binary
        size = np.sqrt(np.maximum(np.diff(x.indptr), 1)).astype(np.float32)
        return np.asarray((x @ self.fold_in_) / size[:, None], dtype=np.float32)

    def torch_scorer(self) -> Any:
        """A differentiable function: dense (n, n_items) history tensor -> (n, n_items) scores (for captum).

        On a binary history vector it equals `score`; ``|h|`` is the vector's sum, so interpolated histories
        (integrated gradients) are scaled smoothly.
        """
        import torch

        fold_in = torch.from_numpy(self.fold_in_)
        items = torch.from_numpy(self.item_embeddings_)

        def scorer(x: torch.Tensor) -> torch.Tensor:
            size = x.sum(1, keepdim=True).clamp(min=1.0).sqrt()
            return ((x @ fold_in) / size) @ items.T

        return scorer

    def _score(self, histories: HistoryBatch) -> FloatArray:
        scores: FloatArray = self.user_embeddings(histories) @ self.item_embeddings_.T
        return scores

    def query_vectors(self, histories: HistoryBatch) -> FloatArray:
        """The fold-in user embeddings (`DotProductScorer`)."""
        return self.user_embeddings(histories)

    def item_vectors(self) -> FloatArray:
        """The final item embeddings (`DotProductScorer`)."""
        return self.item_embeddings_

    def state(self) -> dict[str, np.ndarray]:
        return {**module_state(self.module_), "item_embeddings": self.item_embeddings_.copy(),
                "fold_in": self.fold_in_.copy(), "item_degree": self.item_degree_.copy()}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        import torch

        n_users, size = state["user_embedding.weight"].shape
        n_items = state["item_embedding.weight"].shape[0]
        self.module_ = _network(int(n_users), int(n_items), int(size))
        self.module_.load_state_dict({k: torch.from_numpy(np.asarray(state[k]))
                                      for k in ("user_embedding.weight", "item_embedding.weight")})
        self.module_.eval()
        self.item_embeddings_ = np.asarray(state["item_embeddings"], dtype=np.float32)
        self.fold_in_ = np.asarray(state["fold_in"], dtype=np.float32)
        self.item_degree_ = np.asarray(state["item_degree"], dtype=np.float64)
