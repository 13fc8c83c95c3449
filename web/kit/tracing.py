"""Each request a span, continuing the caller's `traceparent`, and its trace named in the
answer's `traceresponse` (W3C Trace Context Level 2), so a client can quote it.

The span is OpenTelemetry's aiohttp server middleware; it runs only in a worker that
traces (apps/platform/tracing.py), and outermost, so an error answered in the documented
JSON is in the span too.
"""

from __future__ import annotations

import functools
from functools import partial
from typing import Any

from aiohttp import web
from opentelemetry.instrumentation.aiohttp_server import create_aiohttp_middleware

from apps.platform import tracing

Handler = Any


async def answered_with_trace(request: web.Request, handler: Handler) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    # Level 2's `traceresponse` has the fields of a `traceparent`: the span that answered.
    if (answered := tracing.current_traceparent()) is not None:
        response.headers["traceresponse"] = answered
    return response


@functools.cache
def spanned() -> Handler:
    """OpenTelemetry's middleware, made on the first traced request: it takes the tracer
    the worker set when it started (`tracing.start`)."""
    return create_aiohttp_middleware()


def register(app: Any) -> None:
    """Trace every request `app` serves, once the worker traces."""

    @web.middleware
    async def traced(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not tracing.on():
            return await handler(request)
        response: web.StreamResponse = await spanned()(
            request, partial(answered_with_trace, handler=handler)
        )
        return response

    app.web.web_app.middlewares.insert(0, traced)
