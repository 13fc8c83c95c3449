"""The pages every service serves besides its own API: health, tables, dead letters, docs..."""

from __future__ import annotations

from typing import Any

from web.kit import asyncapi, dead_letters, health, http_errors, metrics, openapi, tables


def register(app: Any) -> None:
    """Serve `GET /health`, `/tables...`, `/openapi.json`, `/docs`, `/metrics` and
    `/dead-letters` and `/asyncapi.json` on `app`."""
    health.register(app)
    tables.register(app)
    openapi.register(app)
    metrics.register(app)
    dead_letters.register(app)
    asyncapi.register(app)
    http_errors.register(app)
