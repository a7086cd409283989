"""Contract suites and toy data for checking recommenders and explainers, whyrec's own or anyone's.

``import whyrec`` does not import this package; importing it imports pytest (the ``test`` extra).
"""

from whyrec.testing.contracts import ExplainerContract, RecommenderContract, build_model
from whyrec.testing.toys import (
    LinearToyConfig,
    LinearToyModel,
    block_catalog,
    block_events,
    blocks,
    blocks_with_catalog,
    history_batch,
)

__all__ = [
    "ExplainerContract",
    "LinearToyConfig",
    "LinearToyModel",
    "RecommenderContract",
    "block_catalog",
    "block_events",
    "blocks",
    "blocks_with_catalog",
    "build_model",
    "history_batch",
]
