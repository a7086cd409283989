"""Item-based k-nearest-neighbours with shrunk cosine similarity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import Field, NonNegativeFloat

from whyrec import progress
from whyrec._types import FloatArray, IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.capabilities import Contributions, RetrainEdits
from whyrec.models.edits import LinearEdits
from whyrec.models.retraining import training_row

__all__ = ["ItemKNN", "ItemKNNConfig"]

_BLOCK = 2048


class ItemKNNConfig(ModelConfig):
    """ItemKNN hyperparameters (defaults tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    n_neighbors: int = Field(default=800, ge=1)
    """Neighbours kept per item."""
    shrinkage: NonNegativeFloat = 0.0
    """Added to the cosine denominator: damps similarities built on few co-occurrences."""
    use_weights: bool = False
    """Use event weights instead of 1 per item."""


class ItemKNN(BaseRecommender[ItemKNNConfig]):
    """score_i = sum over history items j of w_j * S[j, i], S the top-k shrunk cosine similarity.

    Hand-written rather than implicit's CosineRecommender, which has no shrinkage and hides the similarity
    matrix that exact explanations need (Sarwar et al., WWW 2001; Deshpande & Karypis, TOIS 2004).
    """

    name = "itemknn"
    retrain_exact: ClassVar[bool] = True
    """Whether `retrained_edits` equals a refit: exact but for a neighbour cut-off moved by the edit."""
    config_class = ItemKNNConfig

    def _fit(self, dataset: Dataset) -> None:
        x = sp.csc_array(dataset.interactions, dtype=np.float32)
        if not self.config.use_weights:
            x.data[:] = 1.0
        norms = np.sqrt(np.asarray(x.multiply(x).sum(0))).ravel()
        n_items = x.shape[1]
        k = min(self.config.n_neighbors, max(1, n_items - 1))
        rows, cols, vals = [], [], []
        xt = x.T.tocsr()
        with progress.task("ItemKNN neighbourhoods", total=n_items) as bar:
            for lo in range(0, n_items, _BLOCK):
                hi = min(n_items, lo + _BLOCK)
                dot = (xt @ x[:, lo:hi]).toarray()  # (n_items, block): similarity of every item to the block
                denom = np.outer(norms, norms[lo:hi]) + self.config.shrinkage
                sim = np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0)
                sim[lo + np.arange(hi - lo), np.arange(hi - lo)] = 0.0
                top = np.argpartition(-sim, k - 1, axis=0)[:k]  # neighbours j of each target item i
                top_vals = np.take_along_axis(sim, top, axis=0)
                keep = top_vals > 0
                rows.append(top[keep])
                cols.append(np.broadcast_to(np.arange(lo, hi), top.shape)[keep])
                vals.append(top_vals[keep])
                bar.advance(hi - lo)
        self.similarity_ = sp.csr_array(
            (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_items, n_items))
        self._sim64 = None

    def history_matrix(self, histories: HistoryBatch) -> sp.csr_array:
        """The (n_histories, n_items) input the scores are linear in."""
        return histories.matrix if self.config.use_weights else histories.binary

    def _score(self, histories: HistoryBatch) -> FloatArray:
        # float64 accumulation: hundreds of neighbours summed in float32 drift from the exact contributions
        return np.asarray((self.history_matrix(histories).astype(np.float64) @ self._similarity64).toarray())

    def contributions(self, history: History, items: IndexArray) -> Contributions:
        """Exact: item j of the history adds w_j * S[j, i] to the score of item i."""
        row = self.history_matrix(HistoryBatch.from_histories([history], self.similarity_.shape[0]))
        hist, weight = row.indices.astype(np.int32), row.data.astype(np.float64)
        sim = self.similarity_[hist][:, items].toarray().astype(np.float64)
        return Contributions(hist, (sim * weight[:, None]).T, np.zeros(len(items)))

    def edits_of(self, history: History, *, scores: FloatArray | None = None) -> LinearEdits:
        """Scores without sets of history items: the full score minus the removed items' similarity rows."""
        row = self.history_matrix(HistoryBatch.from_histories([history], self.similarity_.shape[0]))
        # the float64 full score, not `scores`: hundreds of neighbours summed in float32 drift (see _score)
        base = np.asarray((row.astype(np.float64) @ self._similarity64).toarray()).ravel()
        weight = np.zeros(row.shape[1])
        weight[row.indices] = row.data
        return LinearEdits(weight, base, lambda idx: self._similarity64[idx].toarray())

    def retrained_edits(self, history: History, training: Dataset) -> RetrainEdits:
        """Scores of `history` without sets of items, by ItemKNN refitted without the user's interactions.

        Deleting the user's interactions with R changes the co-occurrences and norms of R's items only, so a
        similarity S[j, t] between a kept history item j and an item t outside R keeps its value; the columns
        of R (removed items, rankable again) are recomputed in full, pruning included, from `training`.
        Exact, except that R's changed values can move another column's top-n neighbour cut-off past a
        history item (never when ``n_neighbors`` keeps every neighbour); docs/benchmarks/explain_retrain.md
        measures it against real refits.
        """
        rescore = self.edits_of(history)
        x = training_row(training, history, binary=not self.config.use_weights)
        xt, norms2 = self._training_arrays(training)
        n_items = len(x)
        k = min(self.config.n_neighbors, max(1, n_items - 1))
        dots: dict[int, np.ndarray] = {}

        def column(t: int, changed: list[int]) -> np.ndarray:
            """Column t of the refitted similarity (t in the deleted set `changed`)."""
            if t not in dots:
                dots[t] = np.asarray(xt @ xt[[t]].toarray().ravel(), dtype=np.float64)
            dot = dots[t] - x * x[t]
            n2 = norms2.copy()
            n2[changed] -= x[changed] ** 2
            norms = np.sqrt(np.maximum(n2, 0.0))
            denom = norms * norms[t] + self.config.shrinkage
            sim = np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0)
            sim[t] = 0.0
            top = np.argpartition(-sim, k - 1)[:k]
            out = np.zeros(n_items)
            kept = top[sim[top] > 0]
            out[kept] = sim[kept]
            return out

        def score(removals: Sequence[Iterable[int]]) -> FloatArray:
            sets = [sorted({int(j) for j in removal}) for removal in removals]
            out = rescore(sets).astype(np.float64)
            for e, removal in enumerate(sets):
                changed = [j for j in removal if 0 <= j < n_items and x[j] != 0]
                if not changed:
                    continue
                weight = rescore.weight.copy()
                weight[removal] = 0.0
                for t in changed:
                    out[e, t] = weight @ column(t, changed)
            return out.astype(np.float32)

        return score

    def _training_arrays(self, training: Dataset) -> tuple[sp.csr_array, np.ndarray]:
        """(items x users matrix, squared item norms) of the data the model was fitted on, kept per dataset."""
        cached = getattr(self, "_retrain_cache", None)
        if cached is None or cached[0] != training.fingerprint:
            x = sp.csr_array(training.interactions, dtype=np.float64)
            if not self.config.use_weights:
                x.data[:] = 1.0
            xt = x.T.tocsr()
            cached = (training.fingerprint, xt, np.asarray(xt.multiply(xt).sum(1)).ravel())
            self._retrain_cache = cached
        return cached[1], cached[2]

    def state(self) -> dict[str, np.ndarray]:
        s = self.similarity_
        return {"indptr": s.indptr, "indices": s.indices, "data": s.data,
                "shape": np.asarray(s.shape, dtype=np.int64)}

    @property
    def _similarity64(self) -> sp.csr_array:
        if getattr(self, "_sim64", None) is None:
            self._sim64 = self.similarity_.astype(np.float64)
        return self._sim64

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        shape = tuple(int(v) for v in state["shape"])
        self.similarity_ = sp.csr_array((state["data"], state["indices"], state["indptr"]), shape=shape)
        self._sim64 = None
