"""The errors aiohttp answers before a view runs (no such route, method not allowed), in
the documented JSON shape rather than aiohttp's plain text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from web.kit.errors import ApiError, NotFound, PayloadTooLarge

#: The codes of the errors aiohttp raises itself, by status: the views' own where they have one.
CODES = {error.status: error.default_code for error in (NotFound, PayloadTooLarge)} | {
    405: "METHOD_NOT_ALLOWED"
}
#: The headers of aiohttp's answer that a client needs (what the route allows).
KEPT_HEADERS = ("Allow",)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = ApiError(_message(request, exc), code=CODES.get(exc.status, "HTTP_ERROR"))
        headers = {name: exc.headers[name] for name in KEPT_HEADERS if name in exc.headers}
        return web.json_response(error.body(), status=exc.status, headers=headers)


def _message(request: web.Request, exc: web.HTTPException) -> str:
    if exc.status == 404:
        return f"no such route: {request.path}"
    if exc.status == 405:
        return f"{request.method} is not allowed on {request.path}"
    return exc.reason


def register(app: Any) -> None:
    """Answer aiohttp's own errors on `app` as the views answer theirs."""
    app.web.web_app.middlewares.append(errors_as_json)
