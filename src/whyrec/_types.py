"""Array aliases and closed option sets shared across packages."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IndexArray = npt.NDArray[np.int32]
Int64Array = npt.NDArray[np.int64]


class EventKind(StrEnum):
    """Event names with a default weight; any other name is allowed too."""

    VIEW = "view"
    CLICK = "click"
    CART = "cart"
    PURCHASE = "purchase"
    RATING = "rating"
