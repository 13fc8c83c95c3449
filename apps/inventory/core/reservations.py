"""The reservation rules, pure: one order's all-or-nothing hold on stock, and its end.

    PENDING ──all lines granted──> RESERVED ──payment completed──> COMMITTING ──> COMMITTED
       │                              │                                              │
       └─a line refused─> REJECTING ──┴──────payment failed/cancelled/refunded───────┘
                              │                           │
                              v                           v
                          REJECTED                    RELEASING ──> RELEASED

A reservation asks the stock agent to hold each line. It decides once every line has
answered: RESERVED, or, if any line was refused, it releases the granted lines and
ends REJECTED. A release or commit that arrives while lines are still settling waits
in `pending`. A release for an unknown order leaves a tombstone (RELEASED, no lines),
so a late ORDER.CREATED holds nothing. A manual hold is no saga's: an order that
comes under its id is rejected (RESERVATION_EXISTS), and the saga's payment events
leave it alone; only its DELETE releases it.

Every input may come twice. A repeat changes nothing and re-emits what the current
state stands for (holds, releases and commits still owed, or the last fact), because
the first sending may have been lost. A grant for a line this reservation does not
hold (a hold repeated after its release) is given back at once.

`decide` routes each input to where its rules live: `opening`, `lines` (the stock
agent's answers), `releases`, and `settling` (what follows once the lines settle).
"""

from __future__ import annotations

from datetime import datetime

from apps.inventory.core.lines import line_answered, line_settled
from apps.inventory.core.messages import RETURNING_HOME, rejected
from apps.inventory.core.opening import open_reservation
from apps.inventory.core.releases import release, release_on_request
from apps.inventory.core.settling import commit
from apps.platform.decision import Decision, answered
from models.base import ReplyAddress
from models.events import (
    OrderCreated,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
)
from models.reservations import (
    LineCommitted,
    LineGranted,
    LineRefused,
    LineReleased,
    ReleaseReservation,
    Reservation,
    ReservationReply,
    ReserveStock,
)

#: Everything that reaches the reservation agent, keyed by order id.
ReservationInput = (
    OrderCreated
    | ReserveStock
    | ReleaseReservation
    | LineGranted
    | LineRefused
    | LineReleased
    | LineCommitted
    | PaymentStatusUpdated
    | PaymentFailed
    | PaymentCancelled
    | PaymentRefunded
)

#: The reason an order is rejected when a manual hold already has its id.
RESERVATION_EXISTS = "RESERVATION_EXISTS"


def decide(
    reservation: Reservation | None,
    message: ReservationInput,
    now: datetime,
    reply_to: ReplyAddress | None = None,
) -> Decision[Reservation]:
    """What `message` does to the order's reservation; `reply_to` is a REST caller's."""
    held_by_hand = reservation is not None and reservation.source == "manual"
    match message:
        case OrderCreated() if held_by_hand:
            return Decision(
                reservation, events=(rejected(message.order_id, RESERVATION_EXISTS, now),)
            )
        case OrderCreated():
            return open_reservation(reservation, message.order_id, message.items, "saga", now)
        case ReserveStock():
            if reservation is not None and reply_to in reservation.waiting:
                # The command that opened it, delivered again (its worker left the group
                # before committing it): its caller is answered when the hold settles.
                return Decision(reservation)
            if reservation is not None:
                exists = ReservationReply(
                    reservation=reservation, error="EXISTS", message="the reservation exists"
                )
                return answered(reservation, reply_to, exists)
            by = message.requested_by
            return open_reservation(
                None, message.order_id, message.items, "manual", now, reply_to, by
            )
        case ReleaseReservation():
            return release_on_request(reservation, message, now, reply_to)
        case LineGranted() | LineRefused():
            return line_answered(reservation, message, now)
        case LineReleased():
            return line_settled(reservation, message.product_id, RETURNING_HOME, "RELEASED", now)
        case LineCommitted():
            return line_settled(reservation, message.product_id, {"COMMITTING"}, "COMMITTED", now)
        case PaymentFailed() | PaymentCancelled() | PaymentRefunded():
            if held_by_hand:  # about the rejected order under its id, not about the hold
                return Decision(reservation)
            return release(reservation, message.order_id, message.reason, now)
        case PaymentStatusUpdated():
            if message.status != "COMPLETED" or reservation is None or held_by_hand:
                return Decision(reservation)
            return commit(reservation, now)
