"""The pages every service serves besides its own API: health, tables, OpenAPI, docs, metrics."""

from __future__ import annotations

from typing import Any

from web.kit import health, http_errors, metrics, openapi, tables


def register(app: Any) -> None:
    """Serve `GET /health`, `/tables...`, `/openapi.json`, `/docs` and `/metrics` on `app`."""
    health.register(app)
    tables.register(app)
    openapi.register(app)
    metrics.register(app)
    http_errors.register(app)
