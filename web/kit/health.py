"""`GET /health`: 200 once the worker serves, 503 with the reason before."""

from __future__ import annotations

from typing import Any

from faust.web import Request, Response

from apps.platform.readiness import not_ready_reason
from apps.platform.settings import VERSION
from models.responses import HealthReport
from web.kit.base import ServiceView
from web.kit.openapi import Operation


def register(app: Any) -> None:
    @app.page("/health")
    class Health(ServiceView):
        serves_before_ready = True

        @Operation(
            "Whether this worker serves, and if not why", {200: HealthReport, 503: HealthReport}
        )
        async def get(self, request: Request) -> Response:
            worker = {
                "service": self.app.conf.id,
                "worker": str(self.app.conf.canonical_url),
                "version": VERSION,
            }
            reason = not_ready_reason(self.app)
            if reason is not None:
                return self.json({"status": "starting", "reason": reason, **worker}, status=503)
            return self.json({"status": "ready", **worker})
