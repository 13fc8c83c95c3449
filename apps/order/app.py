"""The order service's Faust app (its orders table and saga arrive with issue 5)."""

from __future__ import annotations

from apps.runtime import create_app

app = create_app("order")
