"""What a reservation sends, pure: line commands for the stock agent, and saga facts.

A reservation's state says what it still owes (`owed`: a hold, release or commit per
line not yet answered) and which fact its status stands for (`facts`). Each message has
a deterministic id, so sending it again is harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from models.events import (
    Event,
    InventoryReserved,
    InventoryStatusUpdated,
    PricedLine,
    StockReleased,
    event_id,
)
from models.inventory import CommitStock, HoldStock, LineCommand, ReleaseStock
from models.reservations import LineGranted, Reservation, ReservationLine

#: Line statuses on the way back to the shelf, settled by a LineReleased.
RETURNING_HOME = {"RELEASING", "RETURNING"}


def owed(reservation: Reservation, now: datetime) -> tuple[LineCommand, ...]:
    """The line commands still unanswered in the current state."""
    commands: list[LineCommand] = []
    for line in reservation.lines:
        if line.status == "REQUESTED":
            commands.append(hold(reservation, line, now))
        elif line.status in RETURNING_HOME:
            commands.append(release_line(reservation, line, now))
        elif line.status == "COMMITTING":
            commands.append(commit_line(reservation, line, now))
    return tuple(commands)


def facts(reservation: Reservation, now: datetime) -> tuple[Event, ...]:
    """The saga event that announces a settled status (none for manual holds)."""
    if reservation.source != "saga":
        return ()
    match reservation.status:
        case "RESERVED":
            return (_reserved(reservation, now),)
        case "REJECTED":
            return (rejected(reservation.order_id, reservation.reason or "REJECTED", now),)
        case "COMMITTED":
            return (_status_update(reservation.order_id, "COMMITTED", None, now),)
        case "RELEASED":
            return (released(reservation, now),)
        case _:
            return ()


def rejected(order_id: str, reason: str, now: datetime) -> InventoryStatusUpdated:
    return _status_update(order_id, "REJECTED", reason, now)


def _status_update(
    order_id: str, status: Literal["REJECTED", "COMMITTED"], reason: str | None, now: datetime
) -> InventoryStatusUpdated:
    return InventoryStatusUpdated(
        event_id=event_id(order_id, "INVENTORY.STATUS_UPDATE", status),
        order_id=order_id,
        occurred_at=now,
        status=status,
        reason=reason,
    )


class UnpricedReservation(ValueError):
    """A reservation to announce as RESERVED has a line without a price: a bug, since a
    line is priced when it is granted, and the payment would charge the wrong amount."""


def _reserved(reservation: Reservation, now: datetime) -> InventoryReserved:
    amount = reservation.amount
    if amount is None:
        raise UnpricedReservation(f"reservation {reservation.order_id!r} has an unpriced line")
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


def released(reservation: Reservation, now: datetime, reason: str | None = None) -> StockReleased:
    return StockReleased(
        event_id=event_id(reservation.order_id, "INVENTORY.STOCK_RELEASED"),
        order_id=reservation.order_id,
        occurred_at=now,
        reason=reason or reservation.reason or "RELEASED",
    )


def hold(reservation: Reservation, line: ReservationLine, now: datetime) -> HoldStock:
    return HoldStock(
        command_id=f"{reservation.order_id}/{line.product_id}/hold",
        product_id=line.product_id,
        issued_at=now,
        order_id=reservation.order_id,
        quantity=line.quantity,
    )


def release_line(reservation: Reservation, line: ReservationLine, now: datetime) -> ReleaseStock:
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


def commit_line(reservation: Reservation, line: ReservationLine, now: datetime) -> CommitStock:
    return CommitStock(
        command_id=f"{reservation.order_id}/{line.product_id}/commit",
        product_id=line.product_id,
        issued_at=now,
        order_id=reservation.order_id,
    )


def give_back(grant: LineGranted, now: datetime) -> ReleaseStock:
    """Release a hold this reservation does not keep (a hold repeated after its release)."""
    return ReleaseStock(
        command_id=f"{grant.order_id}/{grant.product_id}/give-back@{now.isoformat()}",
        product_id=grant.product_id,
        issued_at=now,
        order_id=grant.order_id,
        quantity=grant.quantity,
    )
