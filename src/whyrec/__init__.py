"""whyrec: explainable product recommendation.

Models score any history; explanations are typed objects verified by re-scoring.

The names below are imported on first use, so ``import whyrec`` (and the ``whyrec`` command's start-up)
loads no pandas, SciPy or torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from whyrec.errors import WhyrecError

if TYPE_CHECKING:
    from whyrec.data import Dataset, DataSource, History, HistoryBatch, load_dataset

__version__ = "0.1.0"

__all__ = ["DataSource", "Dataset", "History", "HistoryBatch", "WhyrecError", "__version__", "load_dataset"]

#: name -> the module it is imported from on first use
_LAZY = {name: "whyrec.data" for name in ("DataSource", "Dataset", "History", "HistoryBatch", "load_dataset")}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'whyrec' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
