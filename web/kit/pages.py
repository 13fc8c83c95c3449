"""The pages every service serves besides its own API: health, tables, dead letters, docs...
and what stands in front of them all: the errors' shape, the gate, the headers."""

from __future__ import annotations

from typing import Any

from apps.platform import tokens
from web.kit import (
    asyncapi,
    auth,
    dead_letters,
    headers,
    health,
    http_errors,
    methods,
    metrics,
    openapi,
    swagger,
    tables,
    tracing,
)


def register(app: Any, access: auth.Table) -> None:
    """Serve `GET /health`, `/tables...`, `/openapi.json`, `/docs`, `/metrics` and
    `/dead-letters` and `/asyncapi.json` on `app`; check every request against the
    authorization table `access` (the token as the settings say: see `tokens.verifier`)."""
    health.register(app)
    tables.register(app)
    openapi.register(app)
    swagger.register(app)
    metrics.register(app)
    dead_letters.register(app)
    asyncapi.register(app)
    http_errors.register(app)
    methods.register(app)  # inside the errors' shape, before the gate
    auth.register(app, access, tokens.verifier(app.settings))
    headers.register(app)
    tracing.register(app)  # outermost: each request a span, its trace in the answer
