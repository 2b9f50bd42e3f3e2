"""GET /metrics in Prometheus' text format."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST

from api.metrics import exposition


class MetricsController(Controller):
    tags = ["operations"]

    @get("/metrics", operation_id="metrics", sync_to_thread=True)
    def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        body = exposition(request.app.state["metrics_registry"])
        return Response(body, media_type=CONTENT_TYPE_LATEST)
