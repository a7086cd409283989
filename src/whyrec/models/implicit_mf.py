"""ALS matrix factorisation through the `implicit` library, with fold-in for any history (BPR: bpr.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field, PositiveFloat

from whyrec import progress
from whyrec._threads import one_blas_thread
from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models._foldin import FoldIn
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions, ItemFactorVectors, RetrainEdits, WarmStartMixin
from whyrec.models.retraining import ALSItemSystems, training_row

__all__ = ["ALS", "ALSConfig", "als_solver", "fold_in"]

logger = logging.getLogger(__name__)


def als_solver(item_factors: np.ndarray, regularization: float, alpha: float) -> Any:
    """An implicit ALS object holding `item_factors`, used for its fold-in solver."""
    from implicit.cpu.als import AlternatingLeastSquares

    with one_blas_thread():  # implicit warns about BLAS threads at construction
        solver = AlternatingLeastSquares(factors=item_factors.shape[1], regularization=regularization, alpha=alpha,
                                         dtype=np.float32)
    solver.item_factors = np.ascontiguousarray(item_factors, dtype=np.float32)
    return solver


def fold_in(solver: Any, matrix: sp.csr_array) -> np.ndarray:
    """User vectors that best explain each history row, given fixed item factors (implicit's solver)."""
    rows = sp.csr_matrix(matrix, dtype=np.float32)
    with one_blas_thread():
        return np.asarray(solver.recalculate_user(np.arange(rows.shape[0]), rows), dtype=np.float32)


class ALSConfig(ModelConfig):
    """ALS hyperparameters (defaults tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    embedding_size: int = Field(default=256, ge=1)
    """Latent factors per user and item."""
    regularization: PositiveFloat = 10.0
    """L2 penalty on the factors (the paper's lambda)."""
    alpha: PositiveFloat = 0.5
    """Confidence scale: an observed item weighs 1 + alpha * weight (Hu, Koren & Volinsky, 2008)."""
    epochs: int = Field(default=15, ge=1)
    """Alternating passes over users and items."""
    use_weights: bool = True
    """Use event weights (ratings, purchase > view) as confidences instead of 1 per item."""


class ALS(WarmStartMixin, ItemFactorVectors, BaseRecommender[ALSConfig]):
    """Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky, ICDM 2008).

    Any history is scored by folding it in: the user vector is solved in closed form against the fixed
    item factors (the paper's user step), so known and new shoppers are treated alike and the score
    decomposes over the history items (section 5 of the paper).
    """

    name = "als"
    retrain_exact: ClassVar[bool] = False
    """Whether `retrained_edits` equals a refit: a warm-started estimate."""
    config_class = ALSConfig

    def _matrix(self, m: sp.csr_array) -> sp.csr_array:
        m = sp.csr_array(m, dtype=np.float32, copy=True)
        if not self.config.use_weights:
            m.data[:] = 1.0
        return m

    def _fit(self, dataset: Dataset) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        cfg = self.config
        # implicit's own threads do the work; BLAS threads on top of them only contend (implicit's advice)
        with progress.task("ALS epochs", total=cfg.epochs) as bar, one_blas_thread():
            model = AlternatingLeastSquares(factors=cfg.embedding_size, regularization=cfg.regularization,
                                            alpha=cfg.alpha, iterations=cfg.epochs, random_state=cfg.seed,
                                            dtype=np.float32)
            initial = self._initial["item_factors"] if self._initial is not None else None
            if initial is not None and initial.shape == (dataset.n_items, cfg.embedding_size):
                model.item_factors = np.array(initial, dtype=np.float32)  # implicit starts from factors it is given
            model.fit(sp.csr_matrix(self._matrix(dataset.interactions)), show_progress=False,
                      callback=lambda *_: bar.advance())
        self._load_state({"item_factors": np.asarray(model.item_factors, dtype=np.float32)})

    def user_factors(self, histories: HistoryBatch) -> FloatArray:
        """(n_histories, embedding_size) folded-in user vectors: the paper's closed-form user step.

        Solved for many histories at once by a Woodbury form of the same equations (`whyrec.models._foldin`,
        checked equal to implicit's ``recalculate_user`` and to the per-history solve in the tests).
        """
        return self._fold_in()(self._matrix(histories.matrix)).astype(np.float32)

    query_vectors = user_factors  # DotProductScorer, with ItemFactorVectors.item_vectors

    def _fold_in(self) -> FoldIn:
        cached: FoldIn | None = getattr(self, "_fold_in_cache", None)
        if cached is None:
            cached = FoldIn(self._y64(), regularization=self.config.regularization, alpha=self.config.alpha)
            self._fold_in_cache: FoldIn | None = cached
        return cached

    def _system(self, items: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(A, Y_h, c) of the fold-in A x = Y_h^T c for one history, as implicit's least squares builds it."""
        confidence = self.config.alpha * weights.astype(np.float64)
        y_hist = self._y64()[items]
        system = self._gram() + self.config.regularization * np.eye(y_hist.shape[1])
        system += (y_hist * (confidence - 1.0)[:, None]).T @ y_hist
        return system, y_hist, confidence

    def _score(self, histories: HistoryBatch) -> FloatArray:
        return self.user_factors(histories) @ self.item_factors_.T

    def contributions(self, history: History, items: IndexArray, *, peel: int = 5) -> Contributions:
        """Each history item's exact removal effect on the folded-in score, and the part the items share.

        The `peel` strongest items are taken off one at a time, each time the one whose removal lowers the
        score most, and each is credited with the drop it caused; every other item is credited with the drop
        its removal would cause after those. Each weight is therefore what re-scoring the edited history
        gives (computed in closed form, tested against re-scoring). The baseline is the rest of the score:
        what no single item carries, because the others make up for any one of them. Section 5 of Hu, Koren &
        Volinsky (2008) splits the score into terms with no such rest (`additive_terms`), but a term is not
        what removing its item does, so it names the wrong items more often (docs/benchmarks/explain.md).
        """
        system, y_hist, confidence, hist = self._history_system(history)
        solved = np.linalg.solve(system, y_hist.T)  # (factors, m): W y_j
        g = self._y64()[items] @ solved  # (len(items), m): y_i^T W y_j
        if len(hist) == 0:
            return Contributions(hist, g, np.zeros(len(items)))
        weights = _removal_effects(g, y_hist, solved, confidence, min(peel, len(hist)))
        return Contributions(hist, weights, g @ confidence - weights.sum(axis=1))

    def additive_terms(self, history: History, items: IndexArray) -> Contributions:
        """The paper's additive decomposition (Hu, Koren & Volinsky 2008, section 5), with nothing left over.

        With confidences c_j (implicit uses alpha x weight) the user vector is x = W sum_j c_j y_j,
        W = (Y^T Y + sum_j (c_j - 1) y_j y_j^T + lambda I)^-1, so score_i = sum_j c_j y_i^T W y_j: history
        item j contributes c_j y_i^T W y_j.
        """
        system, y_hist, confidence, hist = self._history_system(history)
        weighted = np.linalg.solve(system, y_hist.T) * confidence  # (factors, m): W y_j c_j
        return Contributions(hist, self._y64()[items] @ weighted, np.zeros(len(items)))

    def _history_system(self, history: History) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`_system` of one history, and its distinct items."""
        row = self._matrix(HistoryBatch.from_histories([history], self.item_factors_.shape[0]).matrix)
        return (*self._system(row.indices, row.data), row.indices.astype(np.int32))

    def edits_of(self, history: History, *,
                 scores: FloatArray | None = None) -> Callable[[Sequence[Iterable[int]]], FloatArray]:
        """Scores of `history` without sets of items, by low-rank updates of one solved system.

        Removing items R changes the fold-in system by A_R = A - U D U^T (U = Y_R^T, D = diag(c_R - 1)) and
        b_R = b - U c_R, so (A - U D U^T)^-1 = A^-1 + A^-1 U (I - D U^T A^-1 U)^-1 D U^T A^-1 gives each edited
        user vector in O(factors^2 |R|) once A^-1 is known. Counterfactual search re-scores many such edits.
        """
        system, y_hist, confidence, hist = self._history_system(history)
        inverse = np.linalg.inv(system)
        b = y_hist.T @ confidence
        position = {int(item): p for p, item in enumerate(hist)}
        y_all = self._y64()

        def score(removals: Sequence[Iterable[int]]) -> FloatArray:
            users = np.zeros((len(removals), inverse.shape[0]))
            for e, removal in enumerate(removals):
                idx = sorted({position[int(i)] for i in removal if int(i) in position})
                if len(idx) == len(position):
                    continue  # nothing left: the empty history's vector is zero
                u = y_hist[idx].T
                z = inverse @ (b - u @ confidence[idx])
                if idx:
                    d = confidence[idx] - 1.0
                    v = inverse @ u
                    middle = np.eye(len(idx)) - d[:, None] * (u.T @ v)
                    z = z + v @ np.linalg.solve(middle, d * (u.T @ z))
                users[e] = z
            return (users @ y_all.T).astype(np.float32)

        return score

    def retrained_edits(self, history: History, training: Dataset, *, steps: int = 2) -> RetrainEdits:
        """Scores of `history` without sets of items, by a warm-started refit of the factors the edit touches.

        Not exact: from the fitted solution, `steps` alternations re-solve the item vectors of the removed
        items (the item step of Hu, Koren & Volinsky 2008, with the user's interaction deleted and the user's
        new vector in the Gram matrix) and the user's vector (the fold-in of the edited history). Each item
        step is applied as a change to the fitted vector (new solve minus the same solve on unedited data),
        so the half-step between implicit's last user factors and the folded-in ones cancels. Other users'
        vectors and the other items' vectors stay as fitted. docs/benchmarks/explain_retrain.md measures the
        estimate against full refits (3 seeds, averaged).

        Args:
            history: the history explained.
            training: the data the model was fitted on (the other users of the removed items come from it).
            steps: alternations of the item and user steps.
        """
        rescore = self.edits_of(history)
        x = training_row(training, history, binary=not self.config.use_weights)
        users, item_system = self._training_factors(training)
        if not x.any():
            return rescore  # the user was not in the training data: retraining without them changes nothing
        cfg = self.config
        u = training.users.index_of(str(history.user_id))
        xu = users[u]
        y = self._y64()

        system, y_hist, confidence, hist = self._history_system(history)
        b_full = y_hist.T @ confidence
        position = {int(j): i for i, j in enumerate(hist)}

        def score(removals: Sequence[Iterable[int]]) -> FloatArray:
            out = rescore(removals).astype(np.float64)
            for e, removal in enumerate(removals):
                removed = sorted({int(j) for j in removal})
                changed = [r for r in removed if 0 <= r < len(x) and x[r] != 0]
                gone = [position[r] for r in removed if r in position]
                if not changed or len(gone) == len(hist):
                    continue
                # the fold-in system of the edited history: the removed items' terms taken out
                y_gone, c_gone = y_hist[gone], confidence[gone]
                base_system = system - (y_gone * (c_gone - 1.0)[:, None]).T @ y_gone
                b = b_full - y_gone.T @ c_gone
                new_y = {r: y[r] for r in changed}
                user = xu
                for _ in range(steps):
                    shift = sum(np.outer(v, v) - np.outer(y[r], y[r]) for r, v in new_y.items())
                    user = np.linalg.solve(base_system + shift, b)
                    for r in changed:
                        a, b_r, fitted = item_system(r)
                        c_ur = cfg.alpha * x[r]
                        # u leaves r's users (its c_ur x_u x_u^T goes) and U^T U holds u's new vector
                        edited = a - c_ur * np.outer(xu, xu) + np.outer(user, user)
                        new_y[r] = y[r] + np.linalg.solve(edited, b_r - c_ur * xu) - fitted
                scores = user @ y.T
                for r, v in new_y.items():
                    scores[r] = user @ v
                out[e] = scores
            return out.astype(np.float32)

        return score

    def _training_factors(self, training: Dataset) -> tuple[np.ndarray, ALSItemSystems]:
        """(folded-in user vectors, the item step's systems) of the training data, kept per dataset."""
        cached = getattr(self, "_retrain_cache", None)
        if cached is None or cached[0] != training.fingerprint:
            matrix = self._matrix(training.interactions)
            # implicit's threaded solver: the same fold-in as user_factors (tested equal), faster for every user
            solver = als_solver(self.item_factors_, self.config.regularization, self.config.alpha)
            users64 = fold_in(solver, matrix).astype(np.float64)
            systems = ALSItemSystems(users64, users64.T @ users64, matrix.T.tocsr(), alpha=self.config.alpha,
                                     regularization=self.config.regularization)
            cached = (training.fingerprint, users64, systems)
            self._retrain_cache = cached
        return cached[1], cached[2]

    def _y64(self) -> npt.NDArray[np.float64]:
        cached: npt.NDArray[np.float64] | None = getattr(self, "_y64_cache", None)
        if cached is None:
            cached = self.item_factors_.astype(np.float64)
            self._y64_cache: npt.NDArray[np.float64] | None = cached
        return cached

    def _gram(self) -> npt.NDArray[np.float64]:
        cached: npt.NDArray[np.float64] | None = getattr(self, "_gram_cache", None)
        if cached is None:
            cached = self._y64().T @ self._y64()
            self._gram_cache: npt.NDArray[np.float64] | None = cached
        return cached

    def state(self) -> dict[str, np.ndarray]:
        return {"item_factors": self.item_factors_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.item_factors_ = np.asarray(state["item_factors"], dtype=np.float32)
        self._gram_cache = None
        self._y64_cache = None
        self._fold_in_cache = None


def _removal_effects(g: np.ndarray, y_hist: np.ndarray, solved: np.ndarray, confidence: np.ndarray,
                     peel: int) -> np.ndarray:
    """(n, m) removal effects for ALS.contributions: `peel` greedy sequential drops, then single drops.

    Removing j from a history S changes the fold-in by a rank-one update (Sherman-Morrison): with u = W y_j,
    h_j = y_j^T u, r_j = y_j^T x and beta_j = d_j / (1 - d_j h_j), d_j = c_j - 1, the user vector becomes
    x + gamma_j u, gamma_j = beta_j (r_j - c_j h_j) - c_j, so score_i falls by -gamma_j g_ij. Every quantity
    is tracked in history space for all explained items at once: a step costs O(items x m) plus one column
    of Y W Y^T per item. Written by hand: no library peels rank-one updates of a least-squares fold-in.

    Args:
        g: (n, m) y_i^T W y_j for the full history.
        y_hist: (m, factors) the history's item factors.
        solved: (factors, m) W y_j.
        confidence: (m,) c_j.
        peel: items removed one after another (at most m).
    """
    n, m = g.shape
    rows = np.arange(n)
    d = confidence - 1.0
    g = g.copy()
    h = np.tile(np.einsum("mf,fm->m", y_hist, solved), (n, 1))
    r = np.tile(y_hist @ (solved @ confidence), (n, 1))
    alive = np.ones((n, m), dtype=bool)
    peeled = np.zeros((n, m))
    updates: list[tuple[np.ndarray, np.ndarray]] = []  # (beta of each removed item, its column of Y W Y^T)

    def shifts() -> tuple[np.ndarray, np.ndarray]:
        """(gamma, beta) of removing each item from the current history."""
        beta = d / (1.0 - d * h)
        return beta * (r - confidence * h) - confidence, beta

    for _ in range(peel):
        gamma, beta = shifts()
        drop = -gamma * g
        chosen = np.argmax(np.where(alive, drop, -np.inf), axis=1)
        # column `chosen` of the current Y W Y^T: the full history's column plus the rank-one updates so far
        v = (y_hist @ solved[:, chosen]).T
        for b, u in updates:
            v += (b * u[rows, chosen])[:, None] * u
        b, c, gs = beta[rows, chosen], gamma[rows, chosen], g[rows, chosen]
        peeled[rows, chosen] = drop[rows, chosen]
        alive[rows, chosen] = False
        g += (b * gs)[:, None] * v
        h += b[:, None] * v * v
        r += c[:, None] * v
        updates.append((b, v))
    gamma, _ = shifts()
    return np.where(alive, -gamma * g, peeled)
