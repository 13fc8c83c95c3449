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
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from apps.inventory.core.messages import (
    RETURNING_HOME,
    facts,
    give_back,
    hold,
    owed,
    rejected,
    released,
)
from apps.platform.decision import Decision, addresses, answer_waiting, answered
from models.actors import Actor
from models.base import ReplyAddress, updated
from models.events import (
    OrderCreated,
    OrderLine,
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

#: The reason given when a manual hold is deleted over REST.
RELEASED_ON_REQUEST = "RELEASED_ON_REQUEST"
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
            return _open(reservation, message.order_id, message.items, "saga", now)
        case ReserveStock():
            if reservation is not None:
                exists = ReservationReply(
                    reservation=reservation, error="EXISTS", message="the reservation exists"
                )
                return answered(reservation, reply_to, exists)
            by = message.requested_by
            return _open(None, message.order_id, message.items, "manual", now, reply_to, by)
        case ReleaseReservation():
            return _release_on_request(reservation, message, now, reply_to)
        case LineGranted() | LineRefused():
            return _line_answered(reservation, message, now)
        case LineReleased():
            return _line_settled(reservation, message.product_id, RETURNING_HOME, "RELEASED", now)
        case LineCommitted():
            return _line_settled(reservation, message.product_id, {"COMMITTING"}, "COMMITTED", now)
        case PaymentFailed() | PaymentCancelled() | PaymentRefunded():
            if held_by_hand:  # about the rejected order under its id, not about the hold
                return Decision(reservation)
            return _release(reservation, message.order_id, message.reason, now)
        case PaymentStatusUpdated():
            if message.status != "COMPLETED" or reservation is None or held_by_hand:
                return Decision(reservation)
            return _commit(reservation, now)


# -- opening -------------------------------------------------------------------------


def _open(
    existing: Reservation | None,
    order_id: str,
    items: tuple[OrderLine, ...],
    source: str,
    now: datetime,
    reply_to: ReplyAddress | None = None,
    by: Actor | None = None,
) -> Decision[Reservation]:
    if existing is not None:
        return _repeat(existing, now)  # a redelivered order, or one released before it came
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


# -- line results ------------------------------------------------------------------------


def _line_answered(
    reservation: Reservation | None, result: LineGranted | LineRefused, now: datetime
) -> Decision[Reservation]:
    line = reservation.line_for(result.product_id) if reservation else None
    if reservation is None or line is None or line.status != "REQUESTED":
        if isinstance(result, LineGranted) and (line is None or not line.keeps_hold):
            return Decision(reservation, commands=(give_back(result, now),))
        if reservation is None:
            return Decision(None)
        return _repeat(reservation, now)  # a repeated answer
    if isinstance(result, LineGranted):
        answered = line.model_copy(update={"status": "GRANTED", "unit_price": result.unit_price})
    else:
        answered = line.model_copy(update={"status": "REFUSED", "reason": result.reason})
    reservation = updated(reservation, now, lines=reservation.lines_with(answered))
    if any(line.status == "REQUESTED" for line in reservation.lines):
        return Decision(reservation, changed=True)
    return _all_lines_answered(reservation, now)


def _all_lines_answered(reservation: Reservation, now: datetime) -> Decision[Reservation]:
    refused = [line for line in reservation.lines if line.status == "REFUSED"]
    if not refused:
        return _settled(updated(reservation, now, status="RESERVED"), now)
    reason = f"{refused[0].reason}: {refused[0].product_id}"
    return _start_release(reservation, "REJECTING", reason, now)


def _line_settled(
    reservation: Reservation | None,
    product_id: str,
    expected: set[str],
    status: str,
    now: datetime,
) -> Decision[Reservation]:
    line = reservation.line_for(product_id) if reservation else None
    if reservation is None:
        return Decision(None)
    if line is None or line.status not in expected:
        return _repeat(reservation, now)  # a repeated acknowledgement
    settled = line.model_copy(update={"status": status})
    reservation = updated(reservation, now, lines=reservation.lines_with(settled))
    if any(line.status in expected for line in reservation.lines):
        return Decision(reservation, changed=True)
    final = {"REJECTING": "REJECTED", "RELEASING": "RELEASED", "COMMITTING": "COMMITTED"}
    return _settled(updated(reservation, now, status=final[reservation.status]), now)


# -- releases and commits ----------------------------------------------------------------


def _release(
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
            return _start_release(reservation, "RELEASING", reason, now)
        case "PENDING" | "REJECTING" | "COMMITTING":
            if reservation.pending == "release":
                return Decision(reservation)
            later = updated(reservation, now, pending="release", pending_reason=reason)
            return Decision(later, changed=True)
        case _:  # REJECTED holds nothing; RELEASING and RELEASED are on their way or done
            return _repeat(reservation, now, releasing=True)


def _release_on_request(
    reservation: Reservation | None,
    release: ReleaseReservation,
    now: datetime,
    reply_to: ReplyAddress | None,
) -> Decision[Reservation]:
    order_id = release.order_id
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
        updated_by=release.requested_by,
    )
    decision = _release(waiting, order_id, RELEASED_ON_REQUEST, now)
    return replace(decision, changed=True)


def _commit(reservation: Reservation, now: datetime) -> Decision[Reservation]:
    match reservation.status:
        case "RESERVED":
            lines = tuple(
                line.model_copy(update={"status": "COMMITTING"}) for line in reservation.lines
            )
            committing = updated(reservation, now, status="COMMITTING", lines=lines)
            return Decision(committing, changed=True, commands=owed(committing, now))
        case "PENDING" if reservation.pending is None:
            return Decision(updated(reservation, now, pending="commit"), changed=True)
        case "COMMITTED" | "COMMITTING":
            return _repeat(reservation, now)
        case _:  # released or rejected: nothing to sell; the payment service refunds
            return Decision(reservation)


def _start_release(
    reservation: Reservation, status: str, reason: str, now: datetime
) -> Decision[Reservation]:
    """Give back every line held or sold; settle at once if there is none."""
    going_back = {"GRANTED": "RELEASING", "COMMITTED": "RETURNING"}
    lines = tuple(
        line.model_copy(update={"status": going_back[line.status]})
        if line.status in going_back
        else line
        for line in reservation.lines
    )
    releasing = updated(reservation, now, status=status, lines=lines, reason=reason)
    commands = owed(releasing, now)
    if not commands:
        final = "REJECTED" if status == "REJECTING" else "RELEASED"
        return _settled(updated(releasing, now, status=final), now)
    return Decision(releasing, changed=True, commands=commands)


def _settled(reservation: Reservation, now: datetime) -> Decision[Reservation]:
    """Every line has answered: do what waited for it, or announce the new status."""
    pending, reason = reservation.pending, reservation.pending_reason
    reservation = updated(reservation, now, pending=None, pending_reason=None)
    if pending == "release" and reservation.status in {"RESERVED", "COMMITTED"}:
        # The order is going away: its reservation is not worth announcing.
        follow = _start_release(reservation, "RELEASING", reason or "RELEASED", now)
        return _answer_waiting(replace(follow, changed=True), now)
    events = facts(reservation, now)
    if pending == "release":  # rejected: nothing is held, and the release may say so
        events += (released(reservation, now, reason),)
    if pending == "commit" and reservation.status == "RESERVED":
        follow = _commit(reservation, now)
        return _answer_waiting(replace(follow, events=events + follow.events), now)
    return _answer_waiting(Decision(reservation, changed=True, events=events), now)


# -- repeats -------------------------------------------------------------------------------


def _repeat(
    reservation: Reservation, now: datetime, *, releasing: bool = False
) -> Decision[Reservation]:
    """Change nothing; re-send what the current state owes or stands for."""
    events = facts(reservation, now)
    if releasing and reservation.status == "REJECTED":
        events = (released(reservation, now),)
    return Decision(reservation, commands=owed(reservation, now), events=events)


# -- helpers -------------------------------------------------------------------------------


def _answer_waiting(decision: Decision[Reservation], now: datetime) -> Decision[Reservation]:
    """Answer the REST callers waiting on the reservation, once it has settled."""
    return answer_waiting(
        decision,
        now,
        lambda reservation: ReservationReply(reservation=reservation),
        settled=lambda reservation: not reservation.settling,
    )
