"""A message a service could not decode or handle, kept with the error and its bytes."""

from __future__ import annotations

from datetime import datetime

from models.base import Model


class DeadLetter(Model):
    """A message set aside: where it was, its bytes, and why."""

    topic: str
    partition: int
    offset: int
    #: The original key and value, base64-encoded: they may not be text at all.
    key_base64: str | None
    value_base64: str | None
    error: str
    failed_at: datetime

    @property
    def created_at(self) -> datetime:
        """When the letter was set aside: lists order letters by it, like every other row."""
        return self.failed_at

    @property
    def origin(self) -> str:
        """Where the message was: `topic:partition:offset`, the same on every redelivery."""
        return f"{self.topic}:{self.partition}:{self.offset}"

    def public(self) -> dict[str, object]:
        """What a client sees: the letter, named by where its message was."""
        return {"id": self.origin, **self.model_dump(mode="json")}


class PublicDeadLetter(DeadLetter):
    """A dead letter as `GET /dead-letters` shows it, named by where its message was."""

    id: str
