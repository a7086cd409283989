"""Prometheus metrics: request counts and latencies per route, the served model, the per-user cache.

Each app has its own registry (no import-time globals), so tests can build many apps in one process. With
``--workers N`` each worker process answers ``/metrics`` for itself; a scraper that needs totals sums the
workers' series (the ``pid`` label of ``whyrec_model_info`` tells them apart).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Scope

from whyrec.serve.timed_middleware import TimedMiddleware

if TYPE_CHECKING:
    from whyrec.serve.service import RecommendationService

__all__ = ["LATENCY_BUCKETS", "Metrics", "MetricsMiddleware"]

#: Latency histogram buckets, in seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    """The app's registry and instruments.

    Attributes:
        registry: what ``/metrics`` exposes.
        requests: ``whyrec_http_requests_total{method, route, status}``.
        latency: ``whyrec_http_request_duration_seconds{method, route}``.
        events: ``whyrec_events_ingested_total``.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("whyrec_http_requests", "HTTP requests answered.", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("whyrec_http_request_duration_seconds", "Time to answer an HTTP request.",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.events = Counter("whyrec_events_ingested", "Events stored through POST /v1/events.",
                              registry=self.registry)

    def watch(self, service: Callable[[], RecommendationService | None]) -> None:
        """Expose the served model and the cache counters of `service` (read at each scrape)."""
        self.registry.register(_ServiceCollector(service))


class _ServiceCollector(Collector):
    def __init__(self, service: Callable[[], RecommendationService | None]) -> None:
        self.service = service

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | InfoMetricFamily]:
        service = self.service()
        served = service.runs.current if service is not None else None
        info = InfoMetricFamily("whyrec_model", "The run this worker serves.")
        version = GaugeMetricFamily("whyrec_model_version", "Version of the served run (bumped by each reload).")
        if served is not None:
            info.add_metric([], {"model": served.model_name, "run": served.path.name,
                                 "run_hash": served.content_hash[:12], "pid": str(os.getpid()),
                                 "version": str(served.version)})
            version.add_metric([], float(served.version))
        yield info
        yield version
        if service is not None:
            cache = CounterMetricFamily("whyrec_user_cache_lookups", "Per-user state lookups, by result.",
                                        labels=["result"])
            cache.add_metric(["hit"], float(service.states.cache_hits))
            cache.add_metric(["miss"], float(service.states.cache_misses))
            yield cache
            states = service.states
            used = GaugeMetricFamily("whyrec_user_cache_bytes", "Bytes of the cached per-user states (measured).")
            used.add_metric([], float(states.bytes_used))
            bound = GaugeMetricFamily("whyrec_user_cache_max_bytes", "The byte bound of the per-user state cache.")
            bound.add_metric([], float(states.max_bytes or 0))
            entries = GaugeMetricFamily("whyrec_user_cache_entries", "Per-user states cached.")
            entries.add_metric([], float(states.entries))
            evicted = CounterMetricFamily("whyrec_user_cache_evictions", "States dropped to stay within the bounds.")
            evicted.add_metric([], float(states.evictions))
            yield from (used, bound, entries, evicted)


class MetricsMiddleware(TimedMiddleware):
    """Counts and times every HTTP request by its route template (``/v1/users/{user_id}/recommendations``)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def finished(self, scope: Scope, status: int, elapsed_s: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(elapsed_s)
