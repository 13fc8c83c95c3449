"""The errors aiohttp answers before a view runs, in the documented JSON shape rather than
aiohttp's plain text: no such route and method not allowed (a middleware), and what its
parser refuses before any route is matched, such as a header too large or a body in an
encoding it does not know (its connection handler)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web, web_server
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.web_protocol import RequestHandler

from web.kit.errors import ApiError, BadRequest, NotFound, NotJson, PayloadTooLarge

#: The codes of the errors aiohttp raises itself, by status: the views' own where they have one.
CODES = {error.status: error.default_code for error in (BadRequest, NotFound, PayloadTooLarge)} | {
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


class JsonErrorsRequestHandler(RequestHandler):
    """aiohttp's handler of a connection, answering the requests it cannot parse in the
    error shape, and closing the connection as aiohttp does."""

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # as aiohttp: half an answer cannot be mended
            raise ConnectionError("response already started: no error can follow")
        error = _parse_error(status, exc, message)
        if error.status >= 500:
            self.log_exception("error handling a request", exc_info=exc)
        else:  # the client's mistake: no traceback
            self.logger.info("refused a request it could not read: %s", error.message)
        response = web.json_response(error.body(), status=error.status)
        response.force_close()
        return response


def _parse_error(status: int, exc: BaseException | None, message: str | None) -> ApiError:
    if status >= 500:  # never say why: the log does
        return ApiError("internal error")
    if isinstance(exc, ContentEncodingError):
        # RFC 9110, 15.5.16: a content coding the server cannot decode is a 415.
        return NotJson("the body's Content-Encoding cannot be decoded: send gzip, deflate or none")
    said = getattr(exc, "message", None) or message or "bad request"
    kind = PayloadTooLarge if status == PayloadTooLarge.status else BadRequest
    return kind(f"request cannot be read: {said}")


def register(app: Any) -> None:
    """Answer aiohttp's own errors on `app` as the views answer theirs."""
    app.web.web_app.middlewares.append(errors_as_json)
    # aiohttp makes each connection's handler of this name (web_server.Server.__call__),
    # and has no setting for another: the worker's server is the only one in its process.
    web_server.RequestHandler = JsonErrorsRequestHandler  # type: ignore[attr-defined]
