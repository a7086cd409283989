"""Baseline: the history items whose text is most similar to the recommended item's.

"Because you watched X, which is like Y" is what many shops show without asking the model anything. The
similarity is the cosine between all-MiniLM-L6-v2 embeddings of the catalog texts (the text model's encoder
and on-disk cache), so it measures how much a model-blind, plausible-sounding reason is worth on the
fidelity tests next to the model's own attributions.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from whyrec._types import IndexArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.agnostic import HistoryExplainer
from whyrec.explain.explanation import ExplainMethod
from whyrec.explain.masking import MaskedScorer

__all__ = ["TextSimilarityExplainer"]


class TextSimilarityExplainer(HistoryExplainer):
    """History items weighted by the cosine between their text embedding and the recommended item's.

    Args:
        dataset: ids, labels and the catalog texts to embed (once per dataset; cached on disk).
        top_n: evidence entries kept.
        candidates: items that may be recommended.
        encoder: the sentence encoder (see `whyrec.models.text`).
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.TEXT_SIMILARITY

    def __init__(self, dataset: Dataset, *, top_n: int | None = 5, candidates: IndexArray | None = None,
                 encoder: str = "all-MiniLM-L6-v2") -> None:
        super().__init__(dataset, top_n=top_n, candidates=candidates)
        from whyrec.models.text import embed_texts  # needs the `text` extra; import only when used

        self.embeddings = embed_texts(dataset.catalog.texts, encoder)

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        similarity = self.embeddings[scorer.items] @ self.embeddings[scorer.features].T
        return similarity.astype(np.float64), np.zeros(len(scorer.items))
