"""When approximate retrieval is used: the mode, the catalog-size threshold and the index parameters."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from whyrec.errors import ConfigError
from whyrec.models.capabilities import DotProductScorer

__all__ = ["ANN_THRESHOLD", "Retrieval", "RetrievalConfig", "RetrievalMode", "uses_index"]

logger = logging.getLogger(__name__)

ANN_THRESHOLD = 50_000
"""Catalog size (items) from which ``auto`` retrieval is approximate."""

#: How a list was found: every item scored (``exact``) or an index asked (``approximate``).
Retrieval = Literal["exact", "approximate"]


class RetrievalMode(StrEnum):
    """``auto``: approximate for dot-product models from `RetrievalConfig.threshold` items on; ``on``: always
    approximate (an error for other models); ``off``: always exact."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


class RetrievalConfig(BaseModel):
    """How top-k lists are retrieved.

    Example:
        >>> RetrievalConfig().threshold
        50000
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: RetrievalMode = RetrievalMode.AUTO
    """Whether to use the index (see `RetrievalMode`)."""
    threshold: int = Field(default=ANN_THRESHOLD, ge=1)
    """Catalog size from which ``auto`` uses the index."""
    m: int = Field(default=32, ge=4, le=128)
    """HNSW links per node (more: better recall, a larger index)."""
    ef_construction: int = Field(default=200, ge=8)
    """HNSW candidate list while building (more: a better graph, a slower build)."""
    ef_search: int = Field(default=256, ge=8)
    """HNSW candidate list while searching (lists widen it to twice the number of items they fetch)."""
    overfetch: float = Field(default=2.0, ge=1.0)
    """Items fetched per list slot, beyond the history items, before seen items and filters are removed."""


def uses_index(config: RetrievalConfig, model: object, n_items: int) -> bool:
    """Whether lists of `model` over `n_items` items are retrieved approximately under `config`.

    Raises:
        ConfigError: mode ``on`` for a model that does not score by inner products, or without faiss.
    """
    if config.mode == RetrievalMode.OFF:
        return False
    supported = isinstance(model, DotProductScorer)
    if config.mode == RetrievalMode.AUTO:
        return supported and n_items >= config.threshold and _faiss_installed(required=False)
    if not supported:
        name = getattr(model, "name", type(model).__name__)
        raise ConfigError(f"--ann on: model {name!r} does not score by inner products, so it has no item vectors "
                          "to index; approximate retrieval works for als, bpr and lightgcn. Use --ann auto or off.",
                          field="ann", allowed=tuple(RetrievalMode))
    return _faiss_installed(required=True)


def _faiss_installed(*, required: bool) -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        if required:
            raise ConfigError("approximate retrieval needs faiss: pip install 'whyrec[ann]' (faiss-cpu).",
                              field="ann") from None
        logger.warning("faiss is not installed: lists are ranked exactly; pip install "
                                            "'whyrec[ann]' for approximate retrieval on large catalogs")
        return False
    return True
