"""Opening a reservation: for an order or by hand, one hold asked per line."""

from __future__ import annotations

from datetime import datetime

from apps.inventory.core.messages import hold
from apps.inventory.core.settling import repeat
from apps.platform.decision import Decision
from models.actors import Actor
from models.base import ReplyAddress
from models.events import OrderLine
from models.reservations import Reservation


def open_reservation(
    existing: Reservation | None,
    order_id: str,
    items: tuple[OrderLine, ...],
    source: str,
    now: datetime,
    reply_to: ReplyAddress | None = None,
    by: Actor | None = None,
) -> Decision[Reservation]:
    if existing is not None:
        return repeat(existing, now)  # a redelivered order, or one released before it came
    reservation = Reservation.model_validate(
        {
            "order_id": order_id,
            "source": source,
            "status": "PENDING",
            "lines": [{"product_id": line.product_id, "quantity": line.quantity} for line in items],
            "created_at": now,
            "updated_at": now,
            "updated_by": by,
            "waiting": [reply_to] if reply_to else [],
        }
    )
    holds = tuple(hold(reservation, line, now) for line in reservation.lines)
    return Decision(reservation, changed=True, commands=holds)
