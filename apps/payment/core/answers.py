"""The gateway's answers to a payment, and its timer: captured, declined, refunded, late."""

from __future__ import annotations

from datetime import datetime

from apps.payment.core.messages import facts, refund_request
from apps.payment.core.transitions import answer_callers, captured, failed, repeat
from apps.platform.decision import Decision
from models.base import updated
from models.payments import GatewayAnswered, Payment, TimeOutPayment

TIMEOUT = "TIMEOUT"


def charge_answered(
    payment: Payment | None, answer: GatewayAnswered, now: datetime
) -> Decision[Payment]:
    return answer_callers(_charge_answered(payment, answer, now), now)


def refund_answered(payment: Payment | None, now: datetime) -> Decision[Payment]:
    return answer_callers(_refund_answered(payment, now), now)


def timed_out(payment: Payment | None, timeout: TimeOutPayment, now: datetime) -> Decision[Payment]:
    if payment is None:
        return Decision(None)
    if payment.status != "PENDING":  # answered since the timer looked, or a repeat
        return repeat(payment, now)
    if payment.charged_at != timeout.charged_at:
        return Decision(payment)  # charged again since the timer looked
    return failed(payment, TIMEOUT, now)


def _charge_answered(
    payment: Payment | None, answer: GatewayAnswered, now: datetime
) -> Decision[Payment]:
    if payment is None:
        return Decision(None)
    match answer.outcome, payment.status:
        case "CAPTURED", "PENDING":
            return captured(payment, now)
        case "CAPTURED", ("CANCELLED" | "FAILED") if not payment.captured:
            # Cancelled or timed out while the charge was under way: give it back.
            taken = updated(payment, now, captured=True)
            return Decision(taken, changed=True, commands=(refund_request(taken),))
        case "DECLINED", "PENDING":
            return failed(payment, answer.reason or "DECLINED", now)
        case "PENDING", "PENDING" if not payment.on_hold:
            # The gateway waits for the processor's callback: the saga is told PENDING.
            held = updated(payment, now, on_hold=True)
            return Decision(held, changed=True, events=facts(held, now))
        case "PENDING", "PENDING":  # said again: the fact again, not the charge (it would loop)
            return Decision(payment, events=facts(payment, now))
        case _:  # a repeated answer: what the first owed may not have been sent
            return repeat(payment, now)


def _refund_answered(payment: Payment | None, now: datetime) -> Decision[Payment]:
    if payment is None:
        return Decision(None)
    if payment.refunded:  # a repeated answer
        return repeat(payment, now)
    if payment.status == "REFUNDING":
        refunded = updated(payment, now, status="REFUNDED", refunded=True)
        return Decision(refunded, changed=True, events=facts(refunded, now))
    return Decision(updated(payment, now, refunded=True), changed=True)
