"""What a reservation does once its lines have settled, and what a repeat re-sends."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from apps.inventory.core.messages import facts, owed, released
from apps.platform.decision import Decision, answer_waiting
from models.base import updated
from models.reservations import Reservation, ReservationReply


def settled(reservation: Reservation, now: datetime) -> Decision[Reservation]:
    """Every line has answered: do what waited for it, or announce the new status."""
    pending, reason = reservation.pending, reservation.pending_reason
    reservation = updated(reservation, now, pending=None, pending_reason=None)
    if pending == "release" and reservation.status in {"RESERVED", "COMMITTED"}:
        # The order is going away: its reservation is not worth announcing.
        follow = start_release(reservation, "RELEASING", reason or "RELEASED", now)
        return _answer_waiting(replace(follow, changed=True), now)
    events = facts(reservation, now)
    if pending == "release":  # rejected: nothing is held, and the release may say so
        events += (released(reservation, now, reason),)
    if pending == "commit" and reservation.status == "RESERVED":
        follow = commit(reservation, now)
        return _answer_waiting(replace(follow, events=events + follow.events), now)
    return _answer_waiting(Decision(reservation, changed=True, events=events), now)


def start_release(
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
        return settled(updated(releasing, now, status=final), now)
    return Decision(releasing, changed=True, commands=commands)


def commit(reservation: Reservation, now: datetime) -> Decision[Reservation]:
    """The order's payment completed: sell what is held, once every line has settled."""
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
            return repeat(reservation, now)
        case _:  # released or rejected: nothing to sell; the payment service refunds
            return Decision(reservation)


def repeat(
    reservation: Reservation, now: datetime, *, releasing: bool = False
) -> Decision[Reservation]:
    """Change nothing; re-send what the current state owes or stands for."""
    events = facts(reservation, now)
    if releasing and reservation.status == "REJECTED":
        events = (released(reservation, now),)
    return Decision(reservation, commands=owed(reservation, now), events=events)


def _answer_waiting(decision: Decision[Reservation], now: datetime) -> Decision[Reservation]:
    """Answer the REST callers waiting on the reservation, once it has settled."""
    return answer_waiting(
        decision,
        now,
        lambda reservation: ReservationReply(reservation=reservation),
        settled=lambda reservation: not reservation.settling,
    )
