"""The errors a view raises, each rendered once as `{"error", "code", "details"}`.

ApiError                 any answer that is not a success
 ├── BadRequest          400  the body or query is malformed or invalid
 ├── Unauthorized        401  no bearer token, or one that is not accepted
 ├── Forbidden           403  the caller's role may not do this
 ├── NotFound            404  no such id
 ├── Conflict            409  the request conflicts with the current state
 ├── PayloadTooLarge     413  the body is over the limit
 ├── NotJson             415  the body is said to be something other than JSON
 ├── Overloaded          429  the worker has all the work it can take; retry after a while
 ├── NotReady            503  the worker is not serving yet (or the owner is away)
 └── GatewayTimeout      504  the owning agent did not answer in time
"""

from __future__ import annotations

from typing import Any, ClassVar

import aiohttp
from pydantic import ValidationError

from apps.platform.settings import MAX_BODY_BYTES

#: What asking another worker over HTTP raises when it cannot be reached: aiohttp's own
#: errors (a dropped connection is no OSError) and the socket's (a timeout is no ClientError).
UNREACHABLE: tuple[type[Exception], ...] = (OSError, aiohttp.ClientError)


class ApiError(Exception):
    """Any answer that is not a success."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "INTERNAL_ERROR"
    #: The headers of the answer, as the OpenAPI document describes them.
    documented_headers: ClassVar[dict[str, Any]] = {}

    def __init__(
        self, message: str, *, code: str | None = None, details: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, "details": self.details}

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(ApiError):
    """The body, query or a header is malformed or invalid; details name the fields."""

    status = 400
    default_code = "INVALID_REQUEST"

    @classmethod
    def from_validation(cls, exc: ValidationError, where: str) -> BadRequest:
        """One detail per offending field, named by its path (`items.0.quantity`)."""
        details = [
            {
                "field": ".".join(str(part) for part in error["loc"]) or where,
                "message": error["msg"],
                "type": error["type"],
            }
            for error in exc.errors(include_url=False, include_input=False)
        ]
        return cls(f"invalid {where}", details=details)


class Unauthorized(ApiError):
    """No bearer token, or one not accepted: send `Authorization: Bearer <JWT>`."""

    status = 401
    default_code = "UNAUTHORIZED"
    documented_headers: ClassVar[dict[str, Any]] = {
        "WWW-Authenticate": {
            "description": 'The scheme to use (RFC 6750): `Bearer`, with `error="invalid_token"` '
            "when the token given was not accepted.",
            "schema": {"type": "string"},
        }
    }

    def __init__(self, message: str, *, token_given: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.token_given = token_given

    def headers(self) -> dict[str, str]:
        if not self.token_given:
            return {"WWW-Authenticate": 'Bearer realm="oms"'}
        return {"WWW-Authenticate": 'Bearer realm="oms", error="invalid_token"'}


class Forbidden(ApiError):
    """The caller's role may not do this (see the roles in the API's description)."""

    status = 403
    default_code = "FORBIDDEN"


class NotFound(ApiError):
    """No such id (or table, or key)."""

    status = 404
    default_code = "NOT_FOUND"


class Conflict(ApiError):
    """The request conflicts with the current state."""

    status = 409
    default_code = "CONFLICT"


class PayloadTooLarge(ApiError):
    status = 413
    default_code = "PAYLOAD_TOO_LARGE"


# The docstring describes the 413 in the OpenAPI document: it says the limit in force.
PayloadTooLarge.__doc__ = f"The body is over the limit ({MAX_BODY_BYTES // 2**20} MiB)."


class NotJson(ApiError):
    """The body's Content-Type is not JSON: send `Content-Type: application/json` (or none)."""

    status = 415
    default_code = "UNSUPPORTED_MEDIA_TYPE"


class Overloaded(ApiError):
    """The worker has as much work in hand as it can take: nothing was done; retry after
    the seconds in Retry-After."""

    status = 429
    default_code = "OVERLOADED"
    #: Seconds a client should wait before asking again.
    retry_after: ClassVar[int] = 1
    documented_headers: ClassVar[dict[str, Any]] = {
        "Retry-After": {
            "description": "Seconds to wait before asking again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    }

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class NotReady(ApiError):
    """The worker is not serving yet, or the worker owning the key cannot be reached."""

    status = 503
    default_code = "NOT_READY"


class GatewayTimeout(ApiError):
    """The owning agent did not answer in time; the command may still be applied."""

    status = 504
    default_code = "TIMEOUT"
