"""Prometheus metrics: request counts and latencies from litestar's middleware, and fairgig's own
gauges (log head, each follower's position, lag and dead letters) read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api.bootstrap import Container

REQUESTS = PrometheusConfig(app_name="fairgig", prefix="fairgig", group_path=True, exclude=["/metrics"])


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
