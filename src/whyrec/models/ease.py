"""EASE: embarrassingly shallow autoencoder (Steck, 2019), closed form."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse as sp
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.errors import ConfigError
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions, RetrainEdits
from whyrec.models.edits import LinearEdits
from whyrec.models.retraining import training_row
from whyrec.resources import FitEstimate, dense_inverse_estimate

__all__ = ["EASE", "EASEConfig", "attribute_rows", "ease_weights"]

logger = logging.getLogger(__name__)
_MAX_ITEMS = 40_000
_FLOAT32_ITEMS = 5_000
"""From this catalog size the Gram matrix and its inverse are float32 and computed in place (17,000 items:
one 1.2 GB matrix instead of several 2.3 GB ones); below it float64 costs little and keeps refits exact."""
_BLOCK = 1024
"""Rows (or columns) per block when the Gram matrix is built and when the inverse's triangle is mirrored."""


def ease_weights(x: sp.csr_array, regularization: float, *,
                 dtype: type[np.floating[Any]] = np.float64) -> tuple[FloatArray, npt.NDArray[np.float64]]:
    """EASE's item-item weights B and diag(P) from P = (X^T X + lambda I)^-1.

    In float32, P comes from a Cholesky factorisation (LAPACK potrf + potri on the Gram matrix's own memory)
    and B = -P / diag(P) with a zero diagonal is written over P: the peak is one n_items x n_items float32
    matrix. In float64 (small catalogs) numpy's inverse is used, with its temporaries.

    Args:
        x: (n_users, n_items) interactions (weights, or 1 per item).
        regularization: lambda.
        dtype: float32 or float64 for the Gram matrix and its inverse.

    Returns:
        (n_items, n_items) float32 weights B, and (n_items,) float64 diag(P).
    """
    if dtype == np.float64:
        # small catalogs: numpy's inverse, as EASE always computed it (same weights to the bit)
        gram = (x.T @ x).toarray().astype(dtype)
        gram[np.diag_indices_from(gram)] += regularization
        inverse = np.linalg.inv(gram)
        weights = -inverse / np.diag(inverse)
        np.fill_diagonal(weights, 0.0)
        return weights.astype(np.float32), np.diag(inverse).copy()
    gram = _dense_gram(x, dtype)
    gram[np.diag_indices_from(gram)] += regularization
    # the Gram matrix is symmetric, so its transpose is the same matrix in the Fortran order LAPACK works
    # in: no copy is made, and LAPACK's upper triangle is this array's lower one
    fortran = gram.T
    potrf, potri = scipy.linalg.lapack.get_lapack_funcs(("potrf", "potri"), (fortran,))
    factor, info = potrf(fortran, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        _, info = potri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise ConfigError(f"EASE: the regularised Gram matrix is not positive definite (LAPACK info {info}); "
                          "raise the regularization.", field="regularization")
    precision = factor.T  # the C-order view of the inverse; its lower triangle is filled
    _mirror_lower(precision)
    diag = np.diag(precision).astype(np.float64)
    precision /= -np.diag(precision)[None, :]
    np.fill_diagonal(precision, 0.0)
    return precision.astype(np.float32, copy=False), diag


def _dense_gram(x: sp.csr_array, dtype: type[np.floating[Any]]) -> np.ndarray:
    """X^T X as a dense `dtype` array, a block of columns at a time (the sparse product of a whole catalog
    can hold as many entries as the dense matrix, with their indices on top)."""
    n = x.shape[1]
    columns = sp.csc_array(x)
    left = columns.T.tocsr()
    gram = np.empty((n, n), dtype=dtype)
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        gram[:, lo:hi] = (left @ columns[:, lo:hi]).toarray()
    return gram


def _mirror_lower(a: np.ndarray) -> None:
    """Copy the lower triangle of a square C-order array onto its upper one, a block of rows at a time."""
    n = len(a)
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        block = a[lo:hi, lo:hi]
        block[...] = np.tril(block) + np.tril(block, -1).T
        a[lo:hi, hi:] = a[hi:, lo:hi].T


def attribute_rows(dataset: Dataset, strength: float) -> sp.csr_array:
    """The catalog's categorical values as extra rows of the interactions (side information), one per value.

    The row of ``brand=Acme`` holds sqrt(`strength`) at every item of that brand, so each value two items
    share adds `strength` to their entry of X^T X. Values of fewer than two active items are left out; no
    categorical attribute, or a zero strength: no rows.
    """
    indicators = dataset.catalog.attributes.indicators(among=dataset.item_user_counts > 0)
    if indicators.shape[1] == 0 or strength == 0.0:
        return sp.csr_array((0, dataset.n_items))
    return sp.csr_array(indicators.T * np.sqrt(strength))


class EASEConfig(ModelConfig):
    """EASE hyperparameters (defaults tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    regularization: PositiveFloat = Field(default=2000.0, alias="lambda")
    """L2 penalty on the item-item weights (the paper's lambda)."""
    use_weights: bool = True
    """Use event weights (ratings, purchase > view) instead of 1 per item."""
    attribute_weight: NonNegativeFloat = 0.0
    """Weight of the catalog's categorical attributes (brand, category...) as side information: each value
    two items share adds this times `regularization` to their Gram entry, so that items of a shopper's
    brands and categories score higher even when few shoppers bought them together (Jeunen, Van Balen and
    Goethals, "Closed-Form Models for Collaborative Filtering with Side-Information", RecSys 2020). Tied to
    lambda, it keeps its meaning on rating-weighted and binary input, and a refit without some events keeps
    the same side rows (retrained explanations stay exact). 0: interactions only."""


class EASE(BaseRecommender[EASEConfig]):
    """Item-item linear model with a zero diagonal: score = history @ B.

    B = I - P / diag(P) with P = (X^T X + lambda I)^-1 (Steck, "Embarrassingly Shallow Autoencoders for Sparse
    Data", WWW 2019); with ``attribute_weight`` > 0, X also has a row per catalog value (`attribute_rows`).
    Scores are linear in the history, so explanations are exact.
    """

    name = "ease"
    retrain_exact: ClassVar[bool] = True
    """Whether `retrained_edits` equals a refit: exact (Woodbury)."""
    config_class = EASEConfig

    def _fit(self, dataset: Dataset) -> None:
        if dataset.n_items > _MAX_ITEMS:
            raise ConfigError(f"EASE needs a dense {dataset.n_items:,} x {dataset.n_items:,} matrix; over "
                              f"{_MAX_ITEMS:,} items it does not fit in memory. Use itemknn or als.")
        x = dataset.interactions.copy()
        if not self.config.use_weights:
            x.data[:] = 1.0
        side = attribute_rows(dataset, self.config.attribute_weight * self.config.regularization)
        if side.shape[0]:
            # pseudo-users: they enter the Gram matrix only, never a history, so scores stay history @ B
            x = sp.csr_array(sp.vstack([x, side], format="csr"))
            logger.info("EASE: %d catalog values as side information (weight %g)", side.shape[0],
                        self.config.attribute_weight)
        dtype = np.float32 if dataset.n_items >= _FLOAT32_ITEMS else np.float64
        weights, precision_diag = ease_weights(x, self.config.regularization, dtype=dtype)
        self.weights_: np.ndarray = weights
        # with B, diag(P) gives back all of P = (I - B) diag(P): what a retrained edit needs
        self.precision_diag_: np.ndarray | None = precision_diag
        logger.info("fitted EASE on %d items", dataset.n_items)

    def fit_estimate(self, n_items: int) -> FitEstimate | None:
        """Peak memory and rough time of a fit on `n_items` items (``whyrec train`` checks --memory-budget).

        Below `_FLOAT32_ITEMS` items, at the peak of ``inv`` four float64 n x n arrays live: the Gram matrix,
        LAPACK's copy of it, its identity right-hand side and the result. From there on one float32 array is
        inverted in place (measured at 17,000 items: 1.05 such arrays at the peak, docs/benchmarks/scale.md);
        two are counted, for the Gram matrix's column blocks and the sparse product that feeds them.
        """
        if n_items >= _FLOAT32_ITEMS:
            return dense_inverse_estimate("EASE", n_items, itemsize=4, copies=2)
        return dense_inverse_estimate("EASE", n_items, itemsize=8, copies=4)

    def history_matrix(self, histories: HistoryBatch):  # type: ignore[no-untyped-def]
        """The (n_histories, n_items) input the scores are linear in."""
        return histories.matrix if self.config.use_weights else histories.binary

    def _score(self, histories: HistoryBatch) -> FloatArray:
        return np.asarray(self.history_matrix(histories) @ self.weights_)

    def history_weights(self, history: History) -> np.ndarray:
        """(n_items,) float64 input of one history (the row its scores are linear in)."""
        return history.row(self.weights_.shape[0], weighted=self.config.use_weights)

    def contributions(self, history: History, items: IndexArray) -> Contributions:
        """Exact: item j of the history adds w_j * B[j, i] to the score of item i."""
        weight = self.history_weights(history)
        hist = np.unique(history.items).astype(np.int32)
        per = (self.weights_[np.ix_(hist, items)].astype(np.float64) * weight[hist][:, None]).T
        return Contributions(hist, per, np.zeros(len(items)))

    def edits_of(self, history: History, *, scores: FloatArray | None = None) -> LinearEdits:
        """Scores without sets of history items: the full score minus the removed items' rows of B (linear)."""
        weight = self.history_weights(history)
        if scores is None:
            hist = np.unique(history.items)
            scores = weight[hist] @ self.weights_[hist]
        return LinearEdits(weight, scores, lambda idx: self.weights_[idx])

    def retrained_edits(self, history: History, training: Dataset) -> RetrainEdits | None:
        """Exact scores of `history` without sets of items, by EASE refitted without the user's interactions.

        Deleting the user's interactions with R turns their training row x into x' and the Gram matrix into
        G' = G - x x^T + x' x'^T = G + U C U^T (U = [x, x'], C = diag(-1, 1); the catalog's rows stay), so by Woodbury
        P' = P - P U (C^-1 + U^T P U)^-1 U^T P, and the refitted model scores s'_j = h'_j - (h'^T P')_j / P'_jj
        (h' the edited history). Only the rows of P = (I - B) diag(P) at the user's items are needed: an edit
        costs O(n_items x history) like re-scoring. None for a run saved before diag(P) was kept.
        """
        p = getattr(self, "precision_diag_", None)
        if p is None:
            return None
        x = training_row(training, history, binary=not self.config.use_weights)
        h = self.history_weights(history)
        support = np.flatnonzero((x != 0) | (h != 0))
        position = {int(j): s for s, j in enumerate(support)}
        rows = -self.weights_[support].astype(np.float64)
        rows[np.arange(len(support)), support] = 1.0
        q = rows * p  # (|support|, n): the rows of P at the support
        xs, hs = x[support], h[support]
        px, hq = xs @ q, hs @ q  # P x and h^T P of the unedited row
        xpx = xs @ px[support]

        def score(removals: Sequence[Iterable[int]]) -> np.ndarray:
            sets = [sorted({position[int(j)] for j in removal if int(j) in position}) for removal in removals]
            touched = np.unique(np.fromiter((s for found in sets for s in found), dtype=np.int64))
            column = {int(s): c for c, s in enumerate(touched)}
            drop_h, drop_x = np.zeros((len(sets), len(touched))), np.zeros((len(sets), len(touched)))
            keep = np.ones((len(sets), len(support)))
            for e, found in enumerate(sets):
                cols = [column[s] for s in found]
                drop_h[e, cols], drop_x[e, cols], keep[e, found] = hs[found], xs[found], 0.0
            # only the removed rows of P change h^T P and P x: O(n_items x removed) per edit
            q_touched = q[touched]
            hp, pxn = hq - drop_h @ q_touched, px - drop_x @ q_touched
            h_new, x_new = keep * hs, keep * xs
            pxn_s = pxn[:, support]
            middle = np.empty((len(sets), 2, 2))
            middle[:, 0, 0] = xpx - 1.0
            middle[:, 0, 1] = middle[:, 1, 0] = pxn_s @ xs
            middle[:, 1, 1] = np.einsum("es,es->e", pxn_s, x_new) + 1.0
            hpu = np.stack([h_new @ px[support], np.einsum("es,es->e", pxn_s, h_new)], axis=1)
            inv = np.linalg.inv(middle)
            coef = np.einsum("eab,eb->ea", inv, hpu)
            hp_new = hp - coef[:, :1] * px[None, :] - coef[:, 1:] * pxn
            # diag(P U M^-1 U^T P): for each item j, [px_j, pxn_j] M^-1 [px_j, pxn_j]^T
            diag = p[None, :] - (inv[:, 0, 0, None] * px[None, :] ** 2 + 2 * inv[:, 0, 1, None] * px[None, :] * pxn
                                 + inv[:, 1, 1, None] * pxn ** 2)
            dense = np.zeros_like(hp_new)
            dense[:, support] = h_new
            return np.asarray(dense - hp_new / diag, dtype=np.float32)

        return score

    def state(self) -> dict[str, np.ndarray]:
        out = {"weights": self.weights_}
        precision_diag = getattr(self, "precision_diag_", None)
        if precision_diag is not None:
            out["precision_diag"] = precision_diag
        return out

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.weights_ = np.asarray(state["weights"], dtype=np.float32)
        self.precision_diag_ = np.asarray(state["precision_diag"], dtype=np.float64) if "precision_diag" in state \
            else None
