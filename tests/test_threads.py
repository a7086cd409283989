"""One BLAS thread inside `one_blas_thread`, the process's settings back outside it."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from whyrec._threads import one_blas_thread


def _blas_threads() -> list[int]:
    return [int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_every_blas_library_runs_one_thread_inside_and_its_own_count_after() -> None:
    with threadpool_limits(2, "blas"):  # a known count to come back to, whatever the machine has
        before = _blas_threads()
        assert before and all(n == 2 for n in before)
        with one_blas_thread():
            assert all(n == 1 for n in _blas_threads())
            a = np.random.default_rng(0).standard_normal((64, 64))
            assert np.allclose(a @ np.linalg.inv(a), np.eye(64), atol=1e-6)  # BLAS still computes
        assert _blas_threads() == before
        with one_blas_thread():  # the controller is reused: a second use limits again
            assert all(n == 1 for n in _blas_threads())
        assert _blas_threads() == before


def test_a_blas_library_loaded_after_the_first_limit_is_limited_too() -> None:
    with one_blas_thread():  # the controller exists before the new import
        pass
    pytest.importorskip("faiss")  # faiss-cpu brings its own BLAS (the ann extra)
    with threadpool_limits(2, "blas"), one_blas_thread():
        assert all(n == 1 for n in _blas_threads())
