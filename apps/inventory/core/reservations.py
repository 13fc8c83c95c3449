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
so a late ORDER.CREATED holds nothing.

Every input may come twice. A repeat changes nothing and re-emits what the current
state stands for (holds, releases and commits still owed, or the last fact), because
the first sending may have been lost. A grant for a line this reservation does not
hold (a hold repeated after its release) is given back at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from models.events import (
    Event,
    InventoryReserved,
    InventoryStatusUpdated,
    OrderCreated,
    OrderLine,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    PricedLine,
    StockReleased,
    event_id,
)
from models.inventory import CommitStock, HoldStock, LineCommand, ReleaseStock
from models.reservations import (
    LineCommitted,
    LineGranted,
    LineRefused,
    LineReleased,
    ReleaseReservation,
    ReplyAddress,
    Reservation,
    ReservationLine,
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

#: Line statuses on the way back to the shelf, settled by a LineReleased.
RETURNING_HOME = {"RELEASING", "RETURNING"}

#: The reason given when a manual hold is deleted over REST.
RELEASED_ON_REQUEST = "RELEASED_ON_REQUEST"


@dataclass(frozen=True)
class Decision:
    """The reservation after an input, and what to send because of it."""

    reservation: Reservation | None
    changed: bool = False
    #: Line commands for the stock agent (keyed by product id).
    commands: tuple[LineCommand, ...] = ()
    #: Saga events (keyed by order id).
    events: tuple[Event, ...] = ()
    #: Answers to REST requests.
    replies: tuple[tuple[ReplyAddress, ReservationReply], ...] = ()


def decide(
    reservation: Reservation | None,
    message: ReservationInput,
    now: datetime,
    reply_to: ReplyAddress | None = None,
) -> Decision:
    """What `message` does to the order's reservation; `reply_to` is a REST caller's."""
    match message:
        case OrderCreated():
            return _open(reservation, message.order_id, message.items, "saga", now)
        case ReserveStock():
            if reservation is not None:
                return _answer(reservation, reply_to, "EXISTS", "the reservation exists")
            return _open(None, message.order_id, message.items, "manual", now, reply_to)
        case ReleaseReservation():
            return _release_on_request(reservation, message.order_id, now, reply_to)
        case LineGranted() | LineRefused():
            return _line_answered(reservation, message, now)
        case LineReleased():
            return _line_settled(reservation, message.product_id, RETURNING_HOME, "RELEASED", now)
        case LineCommitted():
            return _line_settled(reservation, message.product_id, {"COMMITTING"}, "COMMITTED", now)
        case PaymentFailed() | PaymentCancelled() | PaymentRefunded():
            return _release(reservation, message.order_id, message.reason, now)
        case PaymentStatusUpdated():
            if message.status != "COMPLETED" or reservation is None:
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
) -> Decision:
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
            "waiting": [reply_to] if reply_to else [],
        }
    )
    holds = tuple(_hold(reservation, line, now) for line in reservation.lines)
    return Decision(reservation, changed=True, commands=holds)


# -- line results ------------------------------------------------------------------------


def _line_answered(
    reservation: Reservation | None, result: LineGranted | LineRefused, now: datetime
) -> Decision:
    line = _line(reservation, result.product_id)
    if reservation is None or line is None or line.status != "REQUESTED":
        if isinstance(result, LineGranted) and (line is None or not _keeps_hold(line)):
            return Decision(reservation, commands=(_give_back(result, now),))
        return Decision(reservation)  # a repeated answer
    if isinstance(result, LineGranted):
        answered = line.model_copy(update={"status": "GRANTED", "unit_price": result.unit_price})
    else:
        answered = line.model_copy(update={"status": "REFUSED", "reason": result.reason})
    reservation = _with_line(reservation, answered, now)
    if any(line.status == "REQUESTED" for line in reservation.lines):
        return Decision(reservation, changed=True)
    return _all_lines_answered(reservation, now)


def _all_lines_answered(reservation: Reservation, now: datetime) -> Decision:
    refused = [line for line in reservation.lines if line.status == "REFUSED"]
    if not refused:
        return _settled(_update(reservation, now, status="RESERVED"), now)
    reason = f"{refused[0].reason}: {refused[0].product_id}"
    return _start_release(reservation, "REJECTING", reason, now)


def _line_settled(
    reservation: Reservation | None,
    product_id: str,
    expected: set[str],
    status: str,
    now: datetime,
) -> Decision:
    line = _line(reservation, product_id)
    if reservation is None or line is None or line.status not in expected:
        return Decision(reservation)  # a repeated acknowledgement
    reservation = _with_line(reservation, line.model_copy(update={"status": status}), now)
    if any(line.status in expected for line in reservation.lines):
        return Decision(reservation, changed=True)
    final = {"REJECTING": "REJECTED", "RELEASING": "RELEASED", "COMMITTING": "COMMITTED"}
    return _settled(_update(reservation, now, status=final[reservation.status]), now)


# -- releases and commits ----------------------------------------------------------------


def _release(
    reservation: Reservation | None, order_id: str, reason: str, now: datetime
) -> Decision:
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
        return Decision(tombstone, changed=True, events=(_released(tombstone, now),))
    match reservation.status:
        case "RESERVED" | "COMMITTED":
            return _start_release(reservation, "RELEASING", reason, now)
        case "PENDING" | "REJECTING" | "COMMITTING":
            if reservation.pending == "release":
                return Decision(reservation)
            later = _update(reservation, now, pending="release", pending_reason=reason)
            return Decision(later, changed=True)
        case _:  # REJECTED holds nothing; RELEASING and RELEASED are on their way or done
            return _repeat(reservation, now, releasing=True)


def _release_on_request(
    reservation: Reservation | None,
    order_id: str,
    now: datetime,
    reply_to: ReplyAddress | None,
) -> Decision:
    if reservation is None:
        return _answer(None, reply_to, "NOT_FOUND", f"no reservation {order_id!r}")
    if reservation.source == "saga":
        return _answer(
            reservation, reply_to, "SAGA_OWNED", "the reservation belongs to an order: cancel it"
        )
    if not reservation.settling and reservation.status in {"REJECTED", "RELEASED"}:
        return _answer(reservation, reply_to)
    waiting = _update(reservation, now, waiting=(*reservation.waiting, *_listed(reply_to)))
    decision = _release(waiting, order_id, RELEASED_ON_REQUEST, now)
    return replace(decision, changed=True)


def _commit(reservation: Reservation, now: datetime) -> Decision:
    match reservation.status:
        case "RESERVED":
            lines = tuple(
                line.model_copy(update={"status": "COMMITTING"}) for line in reservation.lines
            )
            committing = _update(reservation, now, status="COMMITTING", lines=lines)
            return Decision(committing, changed=True, commands=_owed(committing, now))
        case "PENDING" if reservation.pending is None:
            return Decision(_update(reservation, now, pending="commit"), changed=True)
        case "COMMITTED" | "COMMITTING":
            return _repeat(reservation, now)
        case _:  # released or rejected: nothing to sell; the payment service refunds
            return Decision(reservation)


def _start_release(reservation: Reservation, status: str, reason: str, now: datetime) -> Decision:
    """Give back every line held or sold; settle at once if there is none."""
    going_back = {"GRANTED": "RELEASING", "COMMITTED": "RETURNING"}
    lines = tuple(
        line.model_copy(update={"status": going_back[line.status]})
        if line.status in going_back
        else line
        for line in reservation.lines
    )
    releasing = _update(reservation, now, status=status, lines=lines, reason=reason)
    commands = _owed(releasing, now)
    if not commands:
        final = "REJECTED" if status == "REJECTING" else "RELEASED"
        return _settled(_update(releasing, now, status=final), now)
    return Decision(releasing, changed=True, commands=commands)


def _settled(reservation: Reservation, now: datetime) -> Decision:
    """Every line has answered: do what waited for it, or announce the new status."""
    pending, reason = reservation.pending, reservation.pending_reason
    reservation = _update(reservation, now, pending=None, pending_reason=None)
    if pending == "release" and reservation.status in {"RESERVED", "COMMITTED"}:
        # The order is going away: its reservation is not worth announcing.
        follow = _start_release(reservation, "RELEASING", reason or "RELEASED", now)
        return _answer_waiting(replace(follow, changed=True), now)
    events = _facts(reservation, now)
    if pending == "release":  # rejected: nothing is held, and the release may say so
        events += (_released(reservation, now, reason),)
    if pending == "commit" and reservation.status == "RESERVED":
        follow = _commit(reservation, now)
        return _answer_waiting(replace(follow, events=events + follow.events), now)
    return _answer_waiting(Decision(reservation, changed=True, events=events), now)


def _answer_waiting(decision: Decision, now: datetime) -> Decision:
    reservation = decision.reservation
    if reservation is None or reservation.settling or not reservation.waiting:
        return decision
    answered = _update(reservation, now, waiting=())
    reply = ReservationReply(reservation=answered)
    replies = tuple((address, reply) for address in reservation.waiting)
    return replace(decision, reservation=answered, replies=decision.replies + replies)


# -- repeats -------------------------------------------------------------------------------


def _repeat(reservation: Reservation, now: datetime, *, releasing: bool = False) -> Decision:
    """Change nothing; re-send what the current state owes or stands for."""
    events = _facts(reservation, now)
    if releasing and reservation.status == "REJECTED":
        events = (_released(reservation, now),)
    return Decision(reservation, commands=_owed(reservation, now), events=events)


def _owed(reservation: Reservation, now: datetime) -> tuple[LineCommand, ...]:
    """The line commands still unanswered in the current state."""
    commands: list[LineCommand] = []
    for line in reservation.lines:
        if line.status == "REQUESTED":
            commands.append(_hold(reservation, line, now))
        elif line.status in RETURNING_HOME:
            commands.append(_release_line(reservation, line, now))
        elif line.status == "COMMITTING":
            commands.append(_commit_line(reservation, line, now))
    return tuple(commands)


def _facts(reservation: Reservation, now: datetime) -> tuple[Event, ...]:
    """The saga event that announces a settled status (none for manual holds)."""
    if reservation.source != "saga":
        return ()
    match reservation.status:
        case "RESERVED":
            return (_reserved(reservation, now),)
        case "REJECTED" | "COMMITTED":
            return (
                InventoryStatusUpdated(
                    event_id=event_id(
                        reservation.order_id, "INVENTORY.STATUS_UPDATE", reservation.status
                    ),
                    order_id=reservation.order_id,
                    occurred_at=now,
                    status=reservation.status,
                    reason=reservation.reason if reservation.status == "REJECTED" else None,
                ),
            )
        case "RELEASED":
            return (_released(reservation, now),)
        case _:
            return ()


def _reserved(reservation: Reservation, now: datetime) -> InventoryReserved:
    amount = reservation.amount
    assert amount is not None
    return InventoryReserved(
        event_id=event_id(reservation.order_id, "INVENTORY.RESERVED"),
        order_id=reservation.order_id,
        occurred_at=now,
        items=tuple(
            PricedLine(product_id=line.product_id, quantity=line.quantity, unit_price=price)
            for line in reservation.lines
            if (price := line.unit_price) is not None
        ),
        amount=amount,
    )


def _released(reservation: Reservation, now: datetime, reason: str | None = None) -> StockReleased:
    return StockReleased(
        event_id=event_id(reservation.order_id, "INVENTORY.STOCK_RELEASED"),
        order_id=reservation.order_id,
        occurred_at=now,
        reason=reason or reservation.reason or "RELEASED",
    )


# -- line commands -------------------------------------------------------------------------


def _hold(reservation: Reservation, line: ReservationLine, now: datetime) -> HoldStock:
    return HoldStock(
        command_id=f"{reservation.order_id}/{line.product_id}/hold",
        product_id=line.product_id,
        issued_at=now,
        order_id=reservation.order_id,
        quantity=line.quantity,
    )


def _release_line(reservation: Reservation, line: ReservationLine, now: datetime) -> ReleaseStock:
    """Release a held line, or return a sold one (a refund)."""
    sold = line.status == "RETURNING"
    return ReleaseStock(
        command_id=f"{reservation.order_id}/{line.product_id}/{'return' if sold else 'release'}",
        product_id=line.product_id,
        issued_at=now,
        order_id=reservation.order_id,
        quantity=line.quantity,
        sold=sold,
    )


def _commit_line(reservation: Reservation, line: ReservationLine, now: datetime) -> CommitStock:
    return CommitStock(
        command_id=f"{reservation.order_id}/{line.product_id}/commit",
        product_id=line.product_id,
        issued_at=now,
        order_id=reservation.order_id,
    )


def _give_back(grant: LineGranted, now: datetime) -> ReleaseStock:
    """Release a hold this reservation does not keep (a hold repeated after its release)."""
    return ReleaseStock(
        command_id=f"{grant.order_id}/{grant.product_id}/give-back@{now.isoformat()}",
        product_id=grant.product_id,
        issued_at=now,
        order_id=grant.order_id,
        quantity=grant.quantity,
    )


# -- helpers -------------------------------------------------------------------------------


def _keeps_hold(line: ReservationLine) -> bool:
    """Whether a grant for this line is the hold it already has (rather than a new one)."""
    return line.status in {"GRANTED", "RELEASING", "COMMITTING"}


def _line(reservation: Reservation | None, product_id: str) -> ReservationLine | None:
    if reservation is None:
        return None
    return next((line for line in reservation.lines if line.product_id == product_id), None)


def _with_line(reservation: Reservation, changed: ReservationLine, now: datetime) -> Reservation:
    lines = tuple(
        changed if line.product_id == changed.product_id else line for line in reservation.lines
    )
    return _update(reservation, now, lines=lines)


def _update(reservation: Reservation, now: datetime, **changes: object) -> Reservation:
    return reservation.model_copy(update={**changes, "updated_at": now})


def _answer(
    reservation: Reservation | None,
    reply_to: ReplyAddress | None,
    error: str | None = None,
    message: str | None = None,
) -> Decision:
    if reply_to is None:
        return Decision(reservation)
    reply = ReservationReply.model_validate(
        {"reservation": reservation, "error": error, "message": message}
    )
    return Decision(reservation, replies=((reply_to, reply),))


def _listed(reply_to: ReplyAddress | None) -> tuple[ReplyAddress, ...]:
    return (reply_to,) if reply_to is not None else ()
