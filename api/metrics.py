"""Prometheus metrics: request counts and latencies from litestar's middleware, and fairgig's own
gauges (log head, each follower's position, lag and dead letters) read at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator

from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api.bootstrap import Container

_Finished = tuple[Counter, Histogram, Counter | None]
"""A route's series for one method and status: count, duration and (5xx only) errors."""


class RequestMetrics(PrometheusMiddleware):
    """litestar's request metrics (the same names, labels and values) at a fraction of the cost
    per request: litestar builds this middleware once per route, so each route looks up its
    labelled series once and keeps them, instead of building a Request, a label dict and four
    label lookups on every request."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        self._in_progress: dict[tuple[str, str], Gauge] = {}
        self._finished: dict[tuple[str, str, int], _Finished] = {}

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        return {"method": method, "path": path, "status_code": status, "app_name": self._config.app_name}

    def _in_progress_series(self, method: str, path: str) -> Gauge:
        series = self._in_progress.get((method, path))
        if series is None:
            # Like litestar, in-progress requests carry status 200: the status is not known yet.
            labels = self._labels(method, path, 200)
            series = self.requests_in_progress(labels).labels(*labels.values())
            self._in_progress[(method, path)] = series
        return series

    def _finished_series(self, method: str, path: str, status: int) -> _Finished:
        series = self._finished.get((method, path, status))
        if series is None:
            labels = self._labels(method, path, status)
            values = labels.values()
            errors = self.requests_error_count(labels).labels(*values) if status >= 500 else None
            series = (
                self.request_count(labels).labels(*values),
                self.request_time(labels).labels(*values),
                errors,
            )
            self._finished[(method, path, status)] = series
        return series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self._config
        if config.labels or config.exemplars:
            await super().__call__(scope, receive, send)  # labels computed from each request
            return
        method: str = scope["method"] if scope["type"] == ScopeType.HTTP else scope["type"]
        excluded = config.excluded_http_methods
        if excluded and method in excluded:
            await self.app(scope, receive, send)
            return
        path: str = scope["path_template"] if config.group_path else scope["path"]
        started = time.perf_counter()
        status = 200
        duration = 0.0

        async def timed_send(message: Message) -> None:
            nonlocal status, duration
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                duration = time.perf_counter() - started
            await send(message)

        in_progress = self._in_progress_series(method, path)
        in_progress.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            in_progress.dec()
            count, seconds, errors = self._finished_series(method, path, status)
            if errors is not None:
                errors.inc()
            count.inc()
            seconds.observe(duration)


REQUESTS = PrometheusConfig(
    app_name="fairgig",
    prefix="fairgig",
    group_path=True,
    exclude=["/metrics"],
    middleware_class=RequestMetrics,
)


class FollowerCollector(Collector):
    def __init__(self, container: Container) -> None:
        self.container = container

    def collect(self) -> Iterator[GaugeMetricFamily]:
        report = self.container.readiness()
        yield GaugeMetricFamily(
            "fairgig_ready",
            "1 when the store answers and no follower is halted",
            value=1.0 if report.get("ready") else 0.0,
        )
        yield GaugeMetricFamily(
            "fairgig_log_head",
            "position of the newest event in the log",
            value=float(report.get("head") or 0),
        )
        rows = report.get("projections", [])
        for metric, help_text, key in (
            ("fairgig_follower_position", "log position a follower has processed", "position"),
            ("fairgig_follower_lag_events", "events a follower has still to process", "lag_events"),
            (
                "fairgig_follower_lag_seconds",
                "age of the oldest event a follower has not processed",
                "lag_seconds",
            ),
            (
                "fairgig_follower_dead_letters",
                "events a follower parked after failing every retry",
                "dead_letters",
            ),
        ):
            family = GaugeMetricFamily(metric, help_text, labels=["follower"])
            for row in rows:
                family.add_metric([row["name"]], float(row.get(key) or 0))
            yield family


def exposition(registry: CollectorRegistry) -> bytes:
    """The process-wide request metrics followed by this app's follower gauges."""
    return generate_latest(REGISTRY) + generate_latest(registry)


def follower_registry(container: Container) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FollowerCollector(container))
    return registry
