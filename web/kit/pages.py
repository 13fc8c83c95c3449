"""The pages every service serves besides its own API: health, tables, OpenAPI and docs."""

from __future__ import annotations

from typing import Any

from web.kit import health, openapi, tables


def register(app: Any) -> None:
    """Serve `GET /health`, `/tables...`, `/openapi.json` and `/docs` on `app`."""
    health.register(app)
    tables.register(app)
    openapi.register(app)
