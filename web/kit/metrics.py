"""`GET /metrics`: this worker's metrics, in Prometheus' text format."""

from __future__ import annotations

from typing import Any

from aiohttp.web import Response
from faust.web import Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from web.kit.base import ServiceView
from web.kit.openapi import Operation


def register(app: Any) -> None:
    @app.page("/metrics")
    class Metrics(ServiceView):
        serves_before_ready = True  # a scrape shows a starting worker too

        @Operation(
            "This worker's metrics, in Prometheus' text format",
            {200: None},
            media_type="text/plain",
        )
        async def get(self, request: Request) -> Response:
            # Set as a header: aiohttp refuses a charset in `content_type`, and this has one.
            return Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
