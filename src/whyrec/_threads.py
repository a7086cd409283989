"""One BLAS thread around small linear-algebra loops, through a threadpoolctl controller that is reused.

`threadpoolctl.threadpool_limits` finds the loaded native libraries again on every call (it reads the
process's memory map): about 5 ms each time, 15% of an exact ALS explanation, which folds a history in at
every re-scoring. A `ThreadpoolController` made once and reused, as threadpoolctl's README advises for
repeated limits, controls the same thread pools without that cost. A native library is only loaded by an
import, so the controller is made again when the number of imported modules has changed since it was made
(an import of faiss or torch after the first limit brings their BLAS under it); in a loop that imports
nothing, it is reused.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]

_made: tuple[int, ThreadpoolController] | None = None


def _controller() -> ThreadpoolController:
    global _made
    modules = len(sys.modules)
    if _made is None or _made[0] != modules:
        _made = (modules, ThreadpoolController())
    return _made[1]


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which every BLAS library of the process runs one thread (restored on exit)."""
    limiter: AbstractContextManager[object] = _controller().limit(limits=1, user_api="blas")
    return limiter
