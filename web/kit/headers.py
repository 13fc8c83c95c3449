"""The headers every answer carries, whatever answered it (a view, a file, an error).

- No `Server` header naming aiohttp's and Python's versions: only `oms`.
- `X-Content-Type-Options: nosniff`: a browser takes each answer for what it says it is.
- A Content-Security-Policy that lets a page run only the scripts this worker serves as
  files (no inline script, nothing from elsewhere) and be framed by no one: a page that
  keeps a bearer token must not run a script that an order's data could smuggle in.
- `Cache-Control: no-store` on what needed a token to read: a customer's order must not
  stay in a cache on the way, or in a shared browser's.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from web.kit.auth import GRANT

SERVER = "oms"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


async def secure(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Server"] = SERVER
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    grant = request.get(GRANT)
    if grant is not None and grant.actor is not None:
        headers["Cache-Control"] = "no-store"


def register(app: Any) -> None:
    """Give every answer of `app` these headers, as it is about to be sent."""
    app.web.web_app.on_response_prepare.append(secure)
