"""The payment service's Faust app (its payments table and gateway arrive with issue 4)."""

from __future__ import annotations

from apps.runtime import create_app

app = create_app("payment")
