"""What a fit will cost before it starts: the estimate, the memory budget and the refusal.

A model whose cost grows fast with the catalog (EASE: items² memory, items³ time) has a ``fit_estimate(n_items)``
(:class:`Estimable`); :func:`check_fit` announces the estimate through :mod:`whyrec.progress` and refuses a fit
whose peak memory is over the budget, before any memory is taken. The CLI calls it with ``--memory-budget``
(default: half of the memory available now, :func:`default_memory_budget`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from whyrec import progress
from whyrec.errors import ConfigError

__all__ = ["Estimable", "FitEstimate", "check_fit", "default_memory_budget", "dense_inverse_estimate",
           "fit_estimate_of", "format_size", "parse_size"]

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12,
          "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", re.IGNORECASE)
#: share of a 1024 x 1024 matrix product's speed that LAPACK's inversion reaches (about 0.4 measured on 2 cores)
_INVERSE_EFFICIENCY = 0.4
_PROBE = 1024  # smaller products run far below the speed of a large inversion


@dataclass(frozen=True)
class FitEstimate:
    """The cost of one fit, known before it starts."""

    model: str
    n_items: int
    peak_bytes: int
    """Peak memory of the fit's dense arrays (what it adds to the process)."""
    seconds: float
    """Rough wall-clock time on this machine (from a short timed matrix product)."""
    detail: str
    """What the memory is (``4 dense 16,859 x 16,859 float64 matrices at once``)."""

    def describe(self) -> str:
        """``EASE on 16,859 items: about 9.1 GB peak memory (...) and roughly 3 min`` (time on this machine)."""
        return (f"{self.model} on {self.n_items:,} items: about {format_size(self.peak_bytes)} peak memory "
                f"({self.detail}) and {_rough_time(self.seconds)}")


@runtime_checkable
class Estimable(Protocol):
    """A model that can say what its fit will cost on `n_items` items."""

    def fit_estimate(self, n_items: int) -> FitEstimate | None:
        """The estimate of fitting on a catalog of `n_items` (None: it grows no faster than the data)."""
        ...


def fit_estimate_of(model: object, n_items: int) -> FitEstimate | None:
    """`model`'s estimate of a fit on `n_items` items, or None for a model that has none to give."""
    return model.fit_estimate(n_items) if isinstance(model, Estimable) else None


def dense_inverse_estimate(model: str, n_items: int, *, itemsize: int, copies: int) -> FitEstimate:
    """Cost of inverting a dense `n_items` x `n_items` matrix with `copies` such matrices alive at the peak.

    Time: LU plus the inverse take about 8/3 n³ floating-point operations, at the speed of a short timed
    matrix product (:func:`machine_flops`) times the efficiency LAPACK reaches on an inversion.
    """
    n = int(n_items)
    seconds = (8.0 / 3.0) * float(n) ** 3 / (machine_flops() * _INVERSE_EFFICIENCY)
    dtype = {4: "float32", 8: "float64"}.get(itemsize, f"{8 * itemsize}-bit")
    return FitEstimate(model=model, n_items=n, peak_bytes=copies * n * n * itemsize, seconds=seconds,
                       detail=f"{copies} dense {n:,} x {n:,} {dtype} matrices at once")


@lru_cache(maxsize=1)
def machine_flops() -> float:
    """Floating-point operations per second of a float64 matrix product here (best of two, ~0.2 s on 2 cores)."""
    a = np.random.default_rng(0).random((_PROBE, _PROBE))
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - started)
    return 2.0 * _PROBE**3 / max(best, 1e-6)


def default_memory_budget() -> int:
    """Half of the memory available now (psutil): room for the data, the evaluation and other programs."""
    import psutil

    return int(psutil.virtual_memory().available) // 2


def parse_size(text: str) -> int:
    """``"3GB"`` -> 3,000,000,000 bytes; also ``512MB``, ``1.5G``, ``8GiB`` or a plain number of bytes.

    Raises:
        ConfigError: not a size.
    """
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ConfigError(f"--memory-budget {text!r}: expected a size such as 3GB, 512MB or 8GiB.",
                          source="--memory-budget", field="memory_budget")
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(n_bytes: float) -> str:
    """``9_100_000_000`` -> ``9.1 GB`` (decimal units, as ``--memory-budget`` reads them)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{int(n_bytes)} B"


def _rough_time(seconds: float) -> str:
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"roughly {seconds:.0f} s"
    if seconds < 5400:
        return f"roughly {seconds / 60:.0f} min"
    return f"roughly {seconds / 3600:.1f} h"


def check_fit(model: object, n_items: int, budget_bytes: int | None = None) -> FitEstimate | None:
    """Announce what fitting `model` on `n_items` items will cost and refuse it above the memory budget.

    Args:
        model: the model about to be fitted; one that is not :class:`Estimable` passes unchecked (None).
        n_items: the catalog size of the fit.
        budget_bytes: the most memory the fit may take (default: :func:`default_memory_budget`).

    Raises:
        ConfigError: the estimated peak memory is over the budget; the message says what to use instead.
    """
    estimate = fit_estimate_of(model, n_items)
    if estimate is None:
        return None
    default = budget_bytes is None
    budget = default_memory_budget() if budget_bytes is None else budget_bytes
    where = "half the available memory" if default else "--memory-budget"
    if estimate.peak_bytes > budget:
        suggested = format_size(estimate.peak_bytes * 1.2).replace(" ", "")
        instead = ("--param collaborative=als or collaborative=itemknn" if getattr(model, "name", "") == "hybrid"
                   else "--model als or --model itemknn")
        raise ConfigError(
            f"{estimate.describe()}, over the memory budget of {format_size(budget)} ({where}). Its memory grows "
            f"with the square of the catalog and its time with the cube: use {instead} (memory grows with the "
            "interactions), a sparse approximation (itemknn with --param n_neighbors=100), or raise the budget "
            f"with --memory-budget {suggested} if the machine has that much free.",
            source="--memory-budget", field="memory_budget")
    progress.message(f"{estimate.describe()}; memory budget {format_size(budget)} ({where})")
    return estimate
