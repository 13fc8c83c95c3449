"""Releasing a reservation: for the saga's payment events, and for a REST DELETE."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from apps.inventory.core.messages import released
from apps.inventory.core.settling import repeat, start_release
from apps.platform.decision import Decision, addresses, answered
from models.base import ReplyAddress, updated
from models.reservations import ReleaseReservation, Reservation, ReservationReply

#: The reason given when a manual hold is deleted over REST.
RELEASED_ON_REQUEST = "RELEASED_ON_REQUEST"


def release(
    reservation: Reservation | None, order_id: str, reason: str, now: datetime
) -> Decision[Reservation]:
    if reservation is None:
        tombstone = Reservation(
            order_id=order_id,
            source="saga",
            status="RELEASED",
            lines=(),
            reason=reason,
            created_at=now,
            updated_at=now,
        )
        return Decision(tombstone, changed=True, events=(released(tombstone, now),))
    match reservation.status:
        case "RESERVED" | "COMMITTED":
            return start_release(reservation, "RELEASING", reason, now)
        case "PENDING" | "REJECTING" | "COMMITTING":
            if reservation.pending == "release":
                return Decision(reservation)
            later = updated(reservation, now, pending="release", pending_reason=reason)
            return Decision(later, changed=True)
        case _:  # REJECTED holds nothing; RELEASING and RELEASED are on their way or done
            return repeat(reservation, now, releasing=True)


def release_on_request(
    reservation: Reservation | None,
    request: ReleaseReservation,
    now: datetime,
    reply_to: ReplyAddress | None,
) -> Decision[Reservation]:
    order_id = request.order_id
    if reservation is None:
        missing = ReservationReply(error="NOT_FOUND", message=f"no reservation {order_id!r}")
        return answered(None, reply_to, missing)
    if reservation.source == "saga":
        message = "the reservation belongs to an order: cancel it"
        owned = ReservationReply(reservation=reservation, error="SAGA_OWNED", message=message)
        return answered(reservation, reply_to, owned)
    if not reservation.settling and reservation.status in {"REJECTED", "RELEASED"}:
        return answered(reservation, reply_to, ReservationReply(reservation=reservation))
    waiting = updated(
        reservation,
        now,
        waiting=(*reservation.waiting, *addresses(reply_to)),
        updated_by=request.requested_by,
    )
    decision = release(waiting, order_id, RELEASED_ON_REQUEST, now)
    return replace(decision, changed=True)
