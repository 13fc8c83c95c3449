"""One hop of an order's records: a service handling a record, when it was written, when
handled, for how long. An order's hops are its timeline (GET /orders/{id}/timeline)."""

from __future__ import annotations

from datetime import datetime

from models.base import Identifier, Model


class Hop(Model):
    """`service` handled a `record` (its type) written at `written_at`: it began at
    `handled_at` (`waited_ms` after the write, on the broker and in the worker's queue)
    and took `took_ms` until it wrote what followed from it. `step` is the status of the
    order's history this hop moved it to, if it did."""

    service: str
    record: str
    written_at: datetime
    handled_at: datetime
    waited_ms: float
    took_ms: float
    step: str | None = None


class Timeline(Model):
    """An order's hops, in the order they were handled."""

    order_id: Identifier
    hops: tuple[Hop, ...]
