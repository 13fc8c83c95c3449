"""The saga's inputs to a payment: its order known, reserved, rejected, or cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from apps.payment.core.messages import facts
from apps.payment.core.transitions import (
    charge,
    failed,
    new_payment,
    refund,
    repeat,
    settle_prepayment,
)
from apps.platform.decision import Decision
from models.base import updated
from models.events import InventoryReserved, OrderCreated
from models.payments import Payment

ORDER_REJECTED = "ORDER_REJECTED"


def order_known(payment: Payment | None, created: OrderCreated, now: datetime) -> Decision[Payment]:
    if payment is not None and payment.order_known:
        return repeat(payment, now)
    known = {"order_known": True, "customer_id": created.customer_id}
    if payment is None:
        payment = new_payment(created.order_id, now, payment_token=created.payment_token, **known)
        return Decision(payment, changed=True)
    if payment.source == "saga":
        known["payment_token"] = created.payment_token
    payment = updated(payment, now, **known)
    if payment.status == "AWAITING" and payment.reserved and not payment.rejected:
        return charge(payment, now)
    return Decision(payment, changed=True)


def reserved(
    payment: Payment | None, reservation: InventoryReserved, now: datetime
) -> Decision[Payment]:
    # Inventory decides an order once: after its rejection, a reservation is not believed.
    if payment is not None and (payment.reserved or payment.rejected):
        return repeat(payment, now)
    if payment is None:
        return Decision(
            new_payment(reservation.order_id, now, reserved=True, amount=reservation.amount),
            changed=True,
        )
    payment = updated(payment, now, reserved=True, amount=reservation.amount)
    if payment.status == "AWAITING":
        return charge(payment, now) if payment.order_known else Decision(payment, changed=True)
    if payment.source == "prepayment" and payment.status == "COMPLETED":
        return settle_prepayment(payment, now)
    # CANCELLED charges nothing and says so again; a pending prepayment waits.
    return Decision(payment, changed=True, events=facts(payment, now))


def rejected(payment: Payment | None, order_id: str, now: datetime) -> Decision[Payment]:
    if payment is not None and payment.rejected:
        return repeat(payment, now)
    if payment is None:  # a later order or prepayment charges nothing
        return Decision(new_payment(order_id, now, rejected=True), changed=True)
    payment = updated(payment, now, rejected=True)
    match payment.status:
        case "PENDING":  # a prepayment under way: refunded if it captures after all
            return failed(payment, ORDER_REJECTED, now)
        case "COMPLETED":  # a captured prepayment
            return refund(updated(payment, now, reason=ORDER_REJECTED), now)
        case _:  # nothing charged, or settled: a cancel may now hear how
            return replace(repeat(payment, now), changed=True)


def cancel(payment: Payment | None, order_id: str, now: datetime) -> Decision[Payment]:
    if payment is None:
        payment = new_payment(order_id, now, status="CANCELLED", reason="CANCELLED")
        return Decision(payment, changed=True, events=facts(payment, now))
    match payment.status:
        case "AWAITING" | "PENDING":
            # A charge in flight may still capture: that money is refunded when it does.
            cancelled = updated(payment, now, status="CANCELLED", reason="CANCELLED")
            return Decision(cancelled, changed=True, events=facts(cancelled, now))
        case "COMPLETED":
            return refund(payment, now)
        case _:  # FAILED re-emits what releases the stock; the rest are done or under way
            return repeat(payment, now)
