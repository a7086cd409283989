"""DeepFM: a factorisation machine and a deep network over shared field embeddings (Guo et al., IJCAI 2017).

The feature-aware model. Every (history, item) pair is described by fields, each one vector of
``1 + embedding_size`` numbers (the value's first-order weight, then its embedding):

- ``item``: the candidate item's id;
- ``item:<name>``: each categorical item attribute (``item:category``...); several values -> their mean;
- ``user:<name>``: each categorical user attribute (``user:gender``, ``user:age_band``...) of the history's
  user; a new or anonymous user (``user_id`` None or not in the training data) gets each field's learned
  "unknown" value;
- ``history``: the mean of the history items' vectors, so that the score depends on the history and any
  history can be scored, also a new shopper's.

The score is ``bias + sum of first-order weights + FM pairwise interactions + DNN(embeddings)``. Training
is for top-N: each training pair (user, item) is scored with the user's history *without* that item
against sampled negative items under the BPR loss; validation NDCG stops training early.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from whyrec._types import FloatArray, IndexArray, Int64Array
from whyrec.data.catalog import AttributeTable
from whyrec.data.dataset import Dataset
from whyrec.data.history import History, HistoryBatch
from whyrec.models.base import BaseRecommender, ModelConfig
from whyrec.models.torch._loop import TrainingLog, fit_epochs, module_state, seeded

if TYPE_CHECKING:
    import torch

    from whyrec.models.torch._deepfm_net import DeepFMNet

__all__ = ["DeepFM", "DeepFMConfig", "FieldScorer"]

logger = logging.getLogger(__name__)

#: Share of training examples whose user attributes are replaced by "unknown", so that value is learned.
_UNKNOWN_USER_SHARE = 0.1
#: Value codes of every attribute: 0 pads a short value list, 1 is "unknown", 2.. are the values.
_PAD, _UNKNOWN = 0, 1
#: Train on dense (batch x items) history rows up to this many cells, else on embedding bags.
_DENSE_HISTORY_CELLS = 1 << 24


class DeepFMConfig(ModelConfig):
    """DeepFM hyperparameters (tuned on ml-100k validation, see docs/concepts/tuning.md)."""

    embedding_size: int = Field(default=64, ge=1)
    """Embedding size of every field value."""
    hidden_size: int = Field(default=64, ge=1)
    """Width of the DNN's two hidden layers."""
    dropout: float = Field(default=0.1, ge=0.0, lt=1.0)
    """Dropout after each hidden layer of the DNN."""
    n_negatives: int = Field(default=4, ge=1)
    """Sampled negative items per training pair (BPR loss averaged over them)."""
    learning_rate: PositiveFloat = 2e-3
    """Adam step size."""
    regularization: NonNegativeFloat = 1e-6
    """Adam weight decay."""
    batch_size: int = Field(default=512, ge=1)
    """Training pairs per update."""
    epochs: int = Field(default=30, ge=1)
    """Most passes over the training pairs (fewer when validation stops training early)."""
    patience: int = Field(default=3, ge=1)
    """Epochs without validation improvement before stopping."""


@dataclass(frozen=True)
class FieldScorer:
    """One history's scores as a differentiable function of its field vectors (for captum).

    Attributes:
        inputs: (n_explained, n_fields, 1 + embedding_size) float32 field vectors of the history and each
            explained item: ``inputs[j, f, 0]`` is field f's first-order weight and ``inputs[j, f, 1:]`` its
            embedding. The user and history fields are the same in every row.
        forward: (b, n_fields, 1 + embedding_size) -> (b,) scores; ``forward(inputs)`` equals
            ``model.score(history)[0, items]`` up to float rounding. An all-zero row means "no field at
            all", the natural baseline of integrated gradients: attributions summed over the last axis give
            an (n_explained, n_fields) table that adds up to ``forward(inputs) - forward(zeros)``.
        fields: the field names, in the order of axis 1 (``item``, ``item:<name>``..., ``user:<name>``...,
            ``history``).
    """

    inputs: torch.Tensor
    forward: Callable[[torch.Tensor], torch.Tensor]
    fields: tuple[str, ...]


def _ragged(indptr: Int64Array, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the entries of `rows` in a CSR layout, with per-row offsets and lengths."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    positions = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    return positions, offsets, lengths


def _codes(table: AttributeTable, n: int) -> dict[str, np.ndarray]:
    """Per categorical attribute: (n, max_values) int64 value codes (0 pad, 1 unknown, 2.. values)."""
    out: dict[str, np.ndarray] = {}
    for name, cells in table.categorical.items():
        vocabulary = {v: i + 2 for i, v in enumerate(sorted({v for cell in cells for v in cell}))}
        width = max(1, max((len(cell) for cell in cells), default=1))
        codes = np.full((n, width), _PAD, dtype=np.int64)
        codes[:, 0] = _UNKNOWN
        for row, cell in enumerate(cells[:n]):
            for col, value in enumerate(cell):
                codes[row, col] = vocabulary[value]
        out[name] = codes
    return out


def _network(n_items: int, item_vocab: Sequence[int], user_vocab: Sequence[int], cfg: DeepFMConfig) -> DeepFMNet:
    from whyrec.models.torch._deepfm_net import DeepFMNet

    return DeepFMNet(n_items, item_vocab, user_vocab, cfg)


class DeepFM(BaseRecommender[DeepFMConfig]):
    """DeepFM over item id, item attributes, user attributes and the history, trained for top-N ranking.

    Fields, scoring and training are described in the module docstring. Scoring is one pass over all items
    per history, so any history is scored, also that of a user never seen in training (whose user
    attributes are then "unknown"). Guo, Tang, Ye, Li & He, "DeepFM: A Factorization-Machine based Neural
    Network for CTR Prediction", IJCAI 2017.
    """

    name = "deepfm"
    config_class = DeepFMConfig

    # ---- fitting -------------------------------------------------------------------------------------

    def _fit(self, dataset: Dataset) -> None:
        import torch

        cfg = self.config
        generator = seeded(cfg.seed)
        n_items = dataset.n_items
        item_codes = _codes(dataset.catalog.attributes, n_items)
        user_codes = _codes(dataset.user_attributes, dataset.n_users)
        self._set_tables(item_codes, user_codes, np.asarray(dataset.users.ids, dtype=str))
        self.module_ = _network(n_items, [int(c.max()) + 1 for c in item_codes.values()],
                                [int(c.max()) + 1 for c in user_codes.values()], cfg)
        self.n_items_ = n_items  # scoring works during training (validation)

        x = dataset.interactions.copy()
        x.data[:] = 1.0
        indptr, indices = x.indptr.astype(np.int64), x.indices.astype(np.int64)
        pair_user = np.repeat(np.arange(x.shape[0], dtype=np.int64), np.diff(indptr))
        pair_item = indices
        candidates = torch.from_numpy(dataset.active_items.astype(np.int64))
        history_items = torch.from_numpy(indices)
        dense_history = n_items * cfg.batch_size <= _DENSE_HISTORY_CELLS
        user_codes_t = [torch.from_numpy(c) for c in self.user_codes_]
        optimizer = torch.optim.Adam(self.module_.parameters(), lr=cfg.learning_rate, weight_decay=cfg.regularization)
        net = self.module_

        def run_epoch(_epoch: int) -> float:
            order = torch.randperm(len(pair_user), generator=generator).numpy()
            total = 0.0
            for lo in range(0, len(order), cfg.batch_size):
                take = order[lo:lo + cfg.batch_size]
                users, pos = pair_user[take], torch.from_numpy(pair_item[take])
                b = len(take)
                # the mean vector of the user's history without the target item
                lengths = torch.from_numpy(indptr[users + 1] - indptr[users] - 1).clamp(min=1).unsqueeze(1)
                if dense_history:  # a matrix product's backward is much faster than embedding_bag's
                    rows = torch.from_numpy(x[users].toarray())
                    rows[torch.arange(b), pos] = 0.0
                    sums = rows @ net.history.weight
                else:
                    positions, offsets, _ = _ragged(indptr, users)
                    sums = torch.nn.functional.embedding_bag(history_items[positions], net.history.weight,
                                                             torch.from_numpy(offsets), mode="sum")
                    sums = sums - net.history(pos)
                hist = sums / lengths.float()
                unknown = torch.rand(b, generator=generator) < _UNKNOWN_USER_SHARE
                codes_u = []
                for c in user_codes_t:
                    rows = c[torch.from_numpy(users)]
                    rows = torch.where(unknown[:, None], self._unknown_row(c.shape[1]), rows)
                    codes_u.append(rows)
                xu = net.user_fields(codes_u, hist)  # (b, Fu, w)
                neg = candidates[torch.randint(len(candidates), (b, cfg.n_negatives), generator=generator)]
                items = torch.cat([pos[:, None], neg], dim=1)  # (b, 1 + n_neg)
                xi = net.item_fields(items, self.item_codes_t_)  # (b, 1+n, Fi, w)
                xu_all = xu[:, None].expand(-1, items.shape[1], -1, -1)
                scores = net(torch.cat([xi, xu_all], dim=-2))  # (b, 1 + n_neg)
                loss = -torch.nn.functional.logsigmoid(scores[:, :1] - scores[:, 1:]).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * b
            return total / max(1, len(order))

        validation = self.validation_
        self.training_log_: TrainingLog = fit_epochs(
            net, run_epoch, epochs=cfg.epochs, patience=cfg.patience, description="DeepFM epochs",
            validate=(lambda: validation.ndcg(self)) if validation is not None else None)
        logger.info("fitted DeepFM on %dx%d (%d pairs), best epoch %d", x.shape[0], n_items, len(pair_user),
                    self.training_log_.best_epoch)

    def _set_tables(self, item_codes: Mapping[str, np.ndarray], user_codes: Mapping[str, np.ndarray],
                    user_ids: np.ndarray) -> None:
        import torch

        self.item_attribute_names_ = tuple(item_codes)
        self.user_attribute_names_ = tuple(user_codes)
        self.item_codes_ = [np.asarray(c, dtype=np.int64) for c in item_codes.values()]
        self.user_codes_ = [np.asarray(c, dtype=np.int64) for c in user_codes.values()]
        self.item_codes_t_ = [torch.from_numpy(c) for c in self.item_codes_]
        self.user_ids_ = np.asarray(user_ids, dtype=str)
        self._user_index = {u: i for i, u in enumerate(self.user_ids_.tolist())}

    @staticmethod
    def _unknown_row(width: int) -> torch.Tensor:
        import torch

        row = torch.full((width,), _PAD, dtype=torch.int64)
        row[0] = _UNKNOWN
        return row

    # ---- scoring -------------------------------------------------------------------------------------

    @property
    def fields(self) -> tuple[str, ...]:
        """Field names in model order: item fields, then user fields, then ``history``."""
        return ("item", *(f"item:{n}" for n in self.item_attribute_names_),
                *(f"user:{n}" for n in self.user_attribute_names_), "history")

    def _user_side(self, histories: HistoryBatch) -> torch.Tensor:
        """(n, n_user_fields, width) user-attribute and history fields of each history."""
        import torch

        net = self.module_
        binary = histories.binary
        indptr = binary.indptr.astype(np.int64)
        positions, offsets, lengths = _ragged(indptr, np.arange(len(histories)))
        sums = torch.nn.functional.embedding_bag(torch.from_numpy(binary.indices.astype(np.int64)[positions]),
                                                 net.history.weight, torch.from_numpy(offsets), mode="sum")
        hist = sums / torch.from_numpy(lengths).clamp(min=1).unsqueeze(1).float()
        rows = np.array([self._user_index.get(u, -1) if u is not None else -1 for u in histories.user_ids],
                        dtype=np.int64)
        codes_u = []
        for c in self.user_codes_:
            unknown = np.zeros((len(rows), c.shape[1]), dtype=np.int64)
            unknown[:, 0] = _UNKNOWN
            codes_u.append(torch.from_numpy(np.where((rows >= 0)[:, None], c[np.maximum(rows, 0)], unknown)))
        return net.user_fields(codes_u, hist)

    def _item_side(self, items: torch.Tensor) -> torch.Tensor:
        return self.module_.item_fields(items, self.item_codes_t_)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        import torch

        self.module_.eval()
        with torch.no_grad():
            xu = self._user_side(histories)
            xi = self._item_side(torch.arange(self.n_items_ or 0))
            scores = self.module_.score_all(xu, xi)
        return scores.numpy()

    def feature_scorer(self, history: History, items: IndexArray | Sequence[int]) -> FieldScorer:
        """The scores of `items` for `history` as a function of the field vectors, for captum.

        Example (integrated gradients per field)::

            fs = model.feature_scorer(history, [12, 40])
            ig = captum.attr.IntegratedGradients(fs.forward)
            per_field = ig.attribute(fs.inputs, baselines=torch.zeros_like(fs.inputs)).sum(-1)  # (2, n_fields)

        Args:
            history: any history (its ``user_id`` picks the user fields; None -> "unknown").
            items: item indices to explain.

        Returns:
            A :class:`FieldScorer`; its docstring gives the shape contract.
        """
        import torch

        self.module_.eval()
        index = torch.as_tensor(np.asarray(items, dtype=np.int64))
        with torch.no_grad():
            xu = self._user_side(HistoryBatch.from_histories([history], self.n_items_ or 0))
            xi = self._item_side(index)
            inputs = torch.cat([xi, xu.expand(len(index), -1, -1)], dim=1).contiguous()
        return FieldScorer(inputs, self.module_, self.fields)

    # ---- persistence ---------------------------------------------------------------------------------

    def state(self) -> dict[str, np.ndarray]:
        out = {f"net.{k}": v for k, v in module_state(self.module_).items()}
        for name, codes in zip(self.item_attribute_names_, self.item_codes_, strict=True):
            out[f"item_codes.{name}"] = codes
        for name, codes in zip(self.user_attribute_names_, self.user_codes_, strict=True):
            out[f"user_codes.{name}"] = codes
        out["user_ids"] = self.user_ids_
        out["item_attribute_names"] = np.asarray(self.item_attribute_names_, dtype=str)
        out["user_attribute_names"] = np.asarray(self.user_attribute_names_, dtype=str)
        return out

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        import torch

        item_names = [str(n) for n in np.asarray(state["item_attribute_names"]).tolist()]
        user_names = [str(n) for n in np.asarray(state["user_attribute_names"]).tolist()]
        item_codes = {n: np.asarray(state[f"item_codes.{n}"]) for n in item_names}
        user_codes = {n: np.asarray(state[f"user_codes.{n}"]) for n in user_names}
        self._set_tables(item_codes, user_codes, np.asarray(state["user_ids"]))
        weights = {k[len("net."):]: torch.from_numpy(np.asarray(v)) for k, v in state.items() if k.startswith("net.")}
        item_vocab = [int(weights[f"item_attributes.{i}.weight"].shape[0]) for i in range(len(item_names))]
        user_vocab = [int(weights[f"user_attributes.{i}.weight"].shape[0]) for i in range(len(user_names))]
        self.module_ = _network(int(weights["item.weight"].shape[0]), item_vocab, user_vocab, self.config)
        self.module_.load_state_dict(weights)
        self.module_.eval()
