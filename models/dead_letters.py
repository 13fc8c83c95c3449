"""A message a service could not decode or handle, kept with the error and its bytes."""

from __future__ import annotations

from datetime import datetime

from models.base import Model


class DeadLetter(Model):
    topic: str
    partition: int
    offset: int
    #: The original key and value, base64-encoded: they may not be text at all.
    key_base64: str | None
    value_base64: str | None
    error: str
    failed_at: datetime
