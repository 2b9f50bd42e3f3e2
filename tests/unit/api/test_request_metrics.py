"""Request metrics: fairgig's middleware records what litestar's Prometheus middleware records,
series for series, and /metrics leaves itself out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.exceptions import NotFoundException
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from api.metrics import REQUESTS, RequestMetrics


@get("/items/{item_id:int}", sync_to_thread=False)
def item(item_id: int) -> dict[str, int]:
    if item_id == 404:
        raise NotFoundException("no such item")
    if item_id == 500:
        raise RuntimeError("broken")
    return {"id": item_id}


@post("/items", sync_to_thread=False)
def create(data: dict[str, Any]) -> dict[str, Any]:
    return data


@get("/metrics", sync_to_thread=False)
def metrics() -> str:
    return "none here"


SERIES = [
    ("fairgig_requests_total", "GET", "/items/{item_id}", "200"),
    ("fairgig_requests_total", "GET", "/items/{item_id}", "404"),
    ("fairgig_requests_total", "GET", "/items/{item_id}", "500"),
    ("fairgig_requests_total", "POST", "/items", "201"),
    ("fairgig_requests_error_total", "GET", "/items/{item_id}", "500"),
    ("fairgig_requests_error_total", "GET", "/items/{item_id}", "200"),
    ("fairgig_request_duration_seconds_count", "GET", "/items/{item_id}", "200"),
    ("fairgig_request_duration_seconds_count", "POST", "/items", "201"),
    ("fairgig_requests_in_progress", "GET", "/items/{item_id}", "200"),
    ("fairgig_requests_total", "GET", "/metrics", "200"),
]


def _samples() -> list[float]:
    return [
        REGISTRY.get_sample_value(
            name, {"method": method, "path": path, "status_code": status, "app_name": "fairgig"}
        )
        or 0.0
        for name, method, path, status in SERIES
    ]


def _traffic(middleware: type[PrometheusMiddleware]) -> list[float]:
    config = PrometheusConfig(
        app_name=REQUESTS.app_name,
        prefix=REQUESTS.prefix,
        group_path=REQUESTS.group_path,
        exclude=REQUESTS.exclude,
        middleware_class=middleware,
    )
    app = Litestar(route_handlers=[item, create, metrics], middleware=[config.middleware])
    before = _samples()
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.get("/items/1").status_code == 200
        assert client.get("/items/404").status_code == 404
        assert client.get("/items/500").status_code == 500
        assert client.post("/items", json={"name": "x"}).status_code == 201
        assert client.get("/metrics").status_code == 200
    return [after - start for after, start in zip(_samples(), before, strict=True)]


@pytest.fixture
def litestar_counts() -> Iterator[list[float]]:
    yield _traffic(PrometheusMiddleware)


def test_the_request_metrics_are_litestars_series_for_series(litestar_counts: list[float]) -> None:
    ours = _traffic(RequestMetrics)

    assert ours == litestar_counts
    assert ours == [3, 1, 1, 1, 1, 0, 3, 1, 0, 0]


def test_the_durations_add_up_to_the_time_requests_took() -> None:
    labels = {"method": "GET", "path": "/items/{item_id}", "status_code": "200", "app_name": "fairgig"}
    before = REGISTRY.get_sample_value("fairgig_request_duration_seconds_sum", labels) or 0.0

    _traffic(RequestMetrics)

    spent = (REGISTRY.get_sample_value("fairgig_request_duration_seconds_sum", labels) or 0.0) - before
    assert 0 < spent < 60
