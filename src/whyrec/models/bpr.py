"""BPR (Rendle et al., UAI 2009): trained by whyrec's SGD or by `implicit`, with a fold-in for any history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field, PositiveFloat

from whyrec import progress
from whyrec._threads import one_blas_thread
from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import WarmStartMixin
from whyrec.models.implicit_mf import als_solver, fold_in

__all__ = ["BPR", "BPRConfig"]

_NEGATIVE_EXPONENTS = {"uniform": 0.0, "sqrt-popularity": 0.5}
"""Negatives of whyrec's SGD are drawn in proportion to count ** exponent."""


def _negative_sample(n_items: int, size: int, seed: int) -> np.ndarray:
    """`size` distinct items drawn uniformly (seeded): the negatives the BPR fold-in contrasts every history with."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_items, size=min(size, n_items), replace=False)).astype(np.int64)


class BPRConfig(ModelConfig):
    """BPR hyperparameters (defaults tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    embedding_size: int = Field(default=128, ge=1)
    """Latent factors per user and item."""
    learning_rate: PositiveFloat = 0.01
    """SGD step size."""
    regularization: PositiveFloat = 0.03
    """L2 penalty on the factors."""
    epochs: int = Field(default=200, ge=1)
    """Passes over the training pairs."""
    fold_in_regularization: PositiveFloat = 100.0
    """L2 penalty of the least-squares fold-in that places a history in the factor space."""
    fold_in_alpha: PositiveFloat = 100.0
    """Confidence of observed items in the least-squares fold-in."""
    negatives: Literal["sqrt-popularity", "uniform", "popularity"] = "sqrt-popularity"
    """How training draws the negative item of a pair, among the items the user has not had:
    ``sqrt-popularity`` in proportion to the square root of how often an item occurs, ``uniform`` (the
    paper's and cornac's sampler) or ``popularity`` in proportion to how often (implicit's, and implicit
    trains the model). With ``popularity`` the item bias cannot learn popularity, and on sparse shop data
    the model ranks below plain popularity; ``uniform`` loses on dense data like ml-100k; the square root
    beats both on both (docs/benchmarks/accuracy_bpr_als.md)."""
    fold_in: Literal["bpr", "least-squares"] = "bpr"
    """How a history becomes a user vector: confidence-weighted least squares against the item factors, or
    the vector that maximises BPR's own objective for that history (with the training `regularization`,
    against `fold_in_negatives` uniform items)."""
    fold_in_negatives: int = Field(default=64, ge=1)
    """Negative items of the BPR fold-in (one seeded uniform sample shared by every history)."""
    fold_in_steps: int = Field(default=40, ge=1)
    """Adam steps of the BPR fold-in."""


class BPR(WarmStartMixin, BaseRecommender[BPRConfig]):
    """Bayesian personalised ranking (Rendle et al., UAI 2009).

    whyrec's own seeded SGD trains it (one step per pair, as in the paper), except with
    ``negatives="popularity"``, where implicit does, with one thread (deterministic for a seed; its
    multi-threaded SGD is not). A history is folded in by BPR's own objective or by confidence-weighted
    least squares against the learned item factors (`fold_in`); the item bias that BPR learns is added to
    every score.
    """

    name = "bpr"
    config_class = BPRConfig

    def _fit(self, dataset: Dataset) -> None:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        cfg = self.config
        x = sp.csr_matrix(dataset.interactions, dtype=np.float32, copy=True)
        x.data[:] = 1.0
        if cfg.negatives != "popularity":
            self._fit_sgd(x)
            return
        with progress.task("BPR epochs", total=cfg.epochs) as bar, one_blas_thread():
            model = BayesianPersonalizedRanking(factors=cfg.embedding_size, learning_rate=cfg.learning_rate,
                                                regularization=cfg.regularization, iterations=cfg.epochs,
                                                random_state=cfg.seed, num_threads=1, dtype=np.float32)
            if self._initial is not None and self._initial["item_factors"].shape == (x.shape[1], cfg.embedding_size):
                # implicit keeps the bias as the last factor column, and starts from factors it is given
                model.item_factors = np.hstack([self._initial["item_factors"],
                                                self._initial["item_bias"][:, None]]).astype(np.float32)
            model.fit(x, show_progress=False, callback=lambda *_: bar.advance())
        factors = np.asarray(model.item_factors, dtype=np.float32)
        self._load_state({"item_factors": factors[:, :-1], "item_bias": factors[:, -1]})

    def _fit_sgd(self, x: sp.csr_matrix) -> None:
        from whyrec.models._bpr_sgd import bpr_sgd  # numba: imported when needed (CLI start-up)

        cfg = self.config
        initial, initial_bias = None, None
        if self._initial is not None and self._initial["item_factors"].shape == (x.shape[1], cfg.embedding_size):
            initial, initial_bias = self._initial["item_factors"], self._initial["item_bias"]
        with progress.task("BPR epochs", total=cfg.epochs) as bar:
            _, items, bias = bpr_sgd(sp.csr_array(x), cfg.embedding_size, learning_rate=cfg.learning_rate,
                                     regularization=cfg.regularization, epochs=cfg.epochs, seed=cfg.seed,
                                     on_epoch=bar.advance, initial_items=initial, initial_bias=initial_bias,
                                     negative_exponent=_NEGATIVE_EXPONENTS[cfg.negatives])
        self._load_state({"item_factors": items, "item_bias": bias})

    def _score(self, histories: HistoryBatch) -> FloatArray:
        return self._users(histories) @ self.item_factors_.T + self.item_bias_

    def _users(self, histories: HistoryBatch) -> FloatArray:
        cfg = self.config
        if cfg.fold_in == "bpr":
            from whyrec.models._bpr_sgd import bpr_fold_in

            users: FloatArray = bpr_fold_in(histories.binary, self.item_factors_, self.item_bias_, self._negatives,
                                            regularization=cfg.regularization, steps=cfg.fold_in_steps)
            return users
        return fold_in(self._solver, histories.binary)

    def query_vectors(self, histories: HistoryBatch) -> FloatArray:
        """The folded-in user vectors with a 1 appended for the item bias (`DotProductScorer`)."""
        users = self._users(histories)
        return np.hstack([users, np.ones((len(users), 1), dtype=np.float32)]).astype(np.float32)

    def item_vectors(self) -> FloatArray:
        """The item factors with the item bias as a last column (`DotProductScorer`)."""
        return np.hstack([self.item_factors_, self.item_bias_[:, None]]).astype(np.float32)

    def state(self) -> dict[str, np.ndarray]:
        return {"item_factors": self.item_factors_, "item_bias": self.item_bias_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.item_factors_ = np.asarray(state["item_factors"], dtype=np.float32)
        self.item_bias_ = np.asarray(state["item_bias"], dtype=np.float32)
        self._solver = als_solver(self.item_factors_, self.config.fold_in_regularization, self.config.fold_in_alpha)
        self._negatives = _negative_sample(len(self.item_factors_), self.config.fold_in_negatives, self.config.seed)
