"""Health and readiness for operators and orchestrators."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get

from api.bootstrap import Container


class OpsController(Controller):
    tags = ["operations"]

    @get("/health", operation_id="health", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", operation_id="ready", sync_to_thread=True)
    def ready(self, container: Container) -> Response[dict[str, Any]]:
        report = container.readiness()
        return Response(report, status_code=200 if report["ready"] else 503)
