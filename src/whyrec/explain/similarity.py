"""Baseline: the history items whose text is most similar to the recommended item's.

"Because you watched X, which is like Y" is what many shops show without asking the model anything. The
similarity is the cosine between all-MiniLM-L6-v2 embeddings of the catalog texts (the text model's encoder
and on-disk cache), so it measures how much a model-blind, plausible-sounding reason is worth on the
fidelity tests next to the model's own attributions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from whyrec.data.dataset import Dataset
from whyrec.data.history import History
from whyrec.explain.agnostic import MaskedExplainer
from whyrec.explain.base import ExplainerConfig
from whyrec.explain.explanation import ExplainMethod
from whyrec.explain.masking import MaskedScorer

__all__ = ["TextSimilarityConfig", "TextSimilarityExplainer"]


@dataclass(frozen=True)
class TextSimilarityConfig(ExplainerConfig):
    """Knobs of the text-similarity baseline.

    Attributes:
        encoder: the sentence encoder (see `whyrec.models.text`).
    """

    encoder: str = "all-MiniLM-L6-v2"


class TextSimilarityExplainer(MaskedExplainer):
    """History items weighted by the cosine between their text embedding and the recommended item's.

    The catalog texts of `dataset` are embedded once per dataset (cached on disk). Knobs
    (`TextSimilarityConfig`): ``encoder``, ``top_n``, ``candidates``.
    """

    method: ClassVar[ExplainMethod] = ExplainMethod.TEXT_SIMILARITY
    config: TextSimilarityConfig
    config_type: ClassVar[type[ExplainerConfig]] = TextSimilarityConfig
    compared: ClassVar[bool] = True

    def __init__(self, dataset: Dataset, config: ExplainerConfig | None = None, /, **knobs: Any) -> None:
        super().__init__(dataset, config, **knobs)
        from whyrec.models.text import embed_texts  # needs the `text` extra; import only when used

        self.embeddings = embed_texts(dataset.catalog.texts, self.config.encoder)

    def weights(self, scorer: MaskedScorer, history: History) -> tuple[np.ndarray, np.ndarray]:
        similarity = self.embeddings[scorer.items] @ self.embeddings[scorer.features].T
        return similarity.astype(np.float64), np.zeros(len(scorer.items))
