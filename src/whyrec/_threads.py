"""One BLAS thread around small linear-algebra loops, through one threadpoolctl controller for the process.

`threadpoolctl.threadpool_limits` finds the loaded native libraries again on every call (it reads the
process's memory map): about 5 ms each time, 15% of an exact ALS explanation, which folds a history in at
every re-scoring. A `ThreadpoolController` made once and reused, as threadpoolctl's README advises for
repeated limits, controls the same thread pools without that cost. It is made on first use, after NumPy's
and SciPy's BLAS are loaded (imported here), so both are under it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

import numpy  # noqa: F401  (loads NumPy's BLAS before the controller looks for it)
import scipy.linalg  # noqa: F401  (SciPy's BLAS, likewise)
from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which every BLAS library of the process runs one thread (restored on exit)."""
    limiter: AbstractContextManager[object] = _controller().limit(limits=1, user_api="blas")
    return limiter
