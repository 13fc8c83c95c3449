"""What a payment sends, pure: gateway requests, and the saga fact its status stands for.

Each fact has a deterministic event id, and the payment id keys the gateway, so
sending either again is harmless.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from models.events import (
    Event,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    event_id,
)
from models.payments import Charge, Payment, Refund


def facts(payment: Payment, now: datetime) -> tuple[Event, ...]:
    """The saga event the current status stands for, once the saga waits for it."""
    order_id = payment.order_id
    common = {"order_id": order_id, "occurred_at": now}
    if payment.status == "CANCELLED":  # the order is being cancelled: always answered
        return (PaymentCancelled(event_id=event_id(order_id, "PAYMENT.FAIL_CANCEL"), **common),)
    if not payment.answers_saga:
        return ()
    match payment.status:
        case "PENDING" if not payment.on_hold:  # the saga hears of it only if it waits
            return ()
        case "PENDING" | "COMPLETED":
            return (
                PaymentStatusUpdated(
                    event_id=event_id(order_id, "PAYMENT.STATUS_UPDATE", payment.status),
                    status=payment.status,
                    payment_id=payment.payment_id,
                    amount=payment.charged,
                    requested_by=payment.asked_by(payment.status),
                    **common,
                ),
            )
        case "FAILED":
            return (
                PaymentFailed(
                    event_id=event_id(order_id, "PAYMENT.FAIL"),
                    reason=payment.reason or "FAILED",
                    requested_by=payment.asked_by("FAILED"),
                    **common,
                ),
            )
        case "REFUNDED":
            return (
                PaymentRefunded(
                    event_id=event_id(order_id, "PAYMENT.REFUNDED"),
                    requested_by=payment.asked_by("REFUNDED"),
                    **common,
                ),
            )
        case _:
            return ()


def charge_request(payment: Payment) -> Charge:
    return Charge(
        order_id=payment.order_id,
        payment_id=payment.payment_id,
        amount=payment.charged or Decimal(0),
        payment_token=payment.payment_token,
    )


def refund_request(payment: Payment) -> Refund:
    return Refund(
        order_id=payment.order_id,
        payment_id=payment.payment_id,
        amount=payment.charged or Decimal(0),
    )
