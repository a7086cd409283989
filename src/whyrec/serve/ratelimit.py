"""Token buckets per caller, in the memory of one worker process."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

__all__ = ["RateLimiter"]


class RateLimiter:
    """A token bucket per key: `rate` requests a second on average, bursts of `burst`.

    Each worker process keeps its own buckets, so with ``--workers N`` a caller gets up to N times the rate.
    At most `max_buckets` callers are tracked; the least recently seen is forgotten first (a full bucket).

    Args:
        rate: tokens added per second; 0 turns the limit off.
        burst: bucket size (default: two seconds' worth, at least 1).
        max_buckets: callers tracked.

    Example:
        >>> limiter = RateLimiter(rate=1.0, burst=1)
        >>> limiter.take("k", now=0.0), limiter.take("k", now=0.5) > 0
        (0.0, True)
    """

    def __init__(self, rate: float, burst: float | None = None, max_buckets: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, 2.0 * rate)
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Spend one token of `key`'s bucket: 0.0 when allowed, else the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, seen = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
            return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """The ``Retry-After`` header value (whole seconds, at least 1) for a wait of `wait` seconds."""
        return str(max(1, math.ceil(wait)))
