"""The moves every input of a payment shares: charge, capture, fail, refund, repeat."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from apps.payment.core.messages import charge_request, facts, refund_request
from apps.platform.decision import Decision, answer_waiting
from models.base import updated
from models.payments import GatewayRequest, Payment, PaymentReply, payment_id_for

PREPAYMENT_TOO_LOW = "PREPAYMENT_TOO_LOW"


def new_payment(order_id: str, now: datetime, **fields: object) -> Payment:
    """The first value of the order's payment, with `fields`."""
    return Payment.model_validate(
        {
            "order_id": order_id,
            "payment_id": payment_id_for(order_id),
            "created_at": now,
            "updated_at": now,
            **fields,
        }
    )


def charge(payment: Payment, now: datetime) -> Decision[Payment]:
    pending = updated(payment, now, status="PENDING", charged_at=now, on_hold=False)
    return Decision(
        pending, changed=True, commands=(charge_request(pending),), events=facts(pending, now)
    )


def captured(payment: Payment, now: datetime) -> Decision[Payment]:
    completed = updated(payment, now, status="COMPLETED", captured=True, reason=None)
    if completed.source == "prepayment" and completed.reserved:
        return settle_prepayment(completed, now)
    return Decision(completed, changed=True, events=facts(completed, now))


def settle_prepayment(payment: Payment, now: datetime) -> Decision[Payment]:
    """A captured prepayment meets its reservation: enough settles the saga, less fails it."""
    if (payment.prepaid or Decimal(0)) >= (payment.amount or Decimal(0)):
        return Decision(payment, changed=True, events=facts(payment, now))
    failing = updated(payment, now, status="FAILED", reason=PREPAYMENT_TOO_LOW)
    return Decision(
        failing, changed=True, events=facts(failing, now), commands=(refund_request(failing),)
    )


def failed(payment: Payment, reason: str, now: datetime) -> Decision[Payment]:
    failing = updated(payment, now, status="FAILED", reason=reason)
    return Decision(failing, changed=True, events=facts(failing, now))


def refund(payment: Payment, now: datetime) -> Decision[Payment]:
    refunding = updated(payment, now, status="REFUNDING")
    return Decision(refunding, changed=True, commands=(refund_request(refunding),))


def repeat(payment: Payment, now: datetime) -> Decision[Payment]:
    """Change nothing; re-send what is owed to the gateway and the saga's last fact."""
    owed: tuple[GatewayRequest, ...] = ()
    if payment.status == "PENDING":
        owed = (charge_request(payment),)
    elif payment.status == "REFUNDING" or _capture_to_give_back(payment):
        owed = (refund_request(payment),)
    return Decision(payment, commands=owed, events=facts(payment, now))


def answer_callers(decision: Decision[Payment], now: datetime) -> Decision[Payment]:
    """Answer the REST callers waiting for the gateway, unless a refund is still under way."""
    return answer_waiting(
        decision,
        now,
        lambda payment: PaymentReply(payment=payment),
        settled=lambda payment: payment.status != "REFUNDING",
    )


def _capture_to_give_back(payment: Payment) -> bool:
    """A charge captured after its payment was cancelled or failed, not yet refunded."""
    return payment.captured and not payment.refunded and payment.status in {"CANCELLED", "FAILED"}
