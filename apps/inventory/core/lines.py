"""The stock agent's answers about a reservation's lines: granted, refused, released, sold."""

from __future__ import annotations

from datetime import datetime

from apps.inventory.core.messages import give_back
from apps.inventory.core.settling import repeat, settled, start_release
from apps.platform.decision import Decision
from models.base import updated
from models.reservations import LineGranted, LineRefused, Reservation


def line_answered(
    reservation: Reservation | None, result: LineGranted | LineRefused, now: datetime
) -> Decision[Reservation]:
    line = reservation.line_for(result.product_id) if reservation else None
    if reservation is None or line is None or line.status != "REQUESTED":
        if isinstance(result, LineGranted) and (line is None or not line.keeps_hold):
            return Decision(reservation, commands=(give_back(result, now),))
        if reservation is None:
            return Decision(None)
        return repeat(reservation, now)  # a repeated answer
    if isinstance(result, LineGranted):
        answered = line.model_copy(update={"status": "GRANTED", "unit_price": result.unit_price})
    else:
        answered = line.model_copy(update={"status": "REFUSED", "reason": result.reason})
    reservation = updated(reservation, now, lines=reservation.lines_with(answered))
    if any(line.status == "REQUESTED" for line in reservation.lines):
        return Decision(reservation, changed=True)
    return _all_lines_answered(reservation, now)


def line_settled(
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
        return repeat(reservation, now)  # a repeated acknowledgement
    done = line.model_copy(update={"status": status})
    reservation = updated(reservation, now, lines=reservation.lines_with(done))
    if any(line.status in expected for line in reservation.lines):
        return Decision(reservation, changed=True)
    final = {"REJECTING": "REJECTED", "RELEASING": "RELEASED", "COMMITTING": "COMMITTED"}
    return settled(updated(reservation, now, status=final[reservation.status]), now)


def _all_lines_answered(reservation: Reservation, now: datetime) -> Decision[Reservation]:
    refused = [line for line in reservation.lines if line.status == "REFUSED"]
    if not refused:
        return settled(updated(reservation, now, status="RESERVED"), now)
    reason = f"{refused[0].reason}: {refused[0].product_id}"
    return start_release(reservation, "REJECTING", reason, now)
