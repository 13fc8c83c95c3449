"""The REST commands to a payment: a customer's prepayment, a processor's or an operator's
status change; each answers its caller."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from apps.payment.core.messages import refund_request
from apps.payment.core.transitions import captured, charge, failed, new_payment, refund, repeat
from apps.platform.decision import Decision, addresses, answered, state_of
from models.base import ReplyAddress, updated
from models.payments import Asked, ChangePaymentStatus, Payment, PaymentReply, Prepay


def take_prepayment(
    payment: Payment | None, prepay: Prepay, now: datetime, reply_to: ReplyAddress | None
) -> Decision[Payment]:
    # A customer prepays only an order known here as its own; another's is as good as none.
    if prepay.customer_id is not None and (
        payment is None or payment.customer_id != prepay.customer_id
    ):
        message = f"no order {prepay.order_id!r}"
        return answered(payment, reply_to, PaymentReply(error="NOT_FOUND", message=message))
    if payment is not None and reply_to is not None and reply_to in payment.waiting:
        # The prepayment that charged it, delivered again (its worker left the group
        # before committing it): its caller is answered when the gateway does.
        return Decision(payment)
    if payment is not None and payment.exists:
        message = f"order {prepay.order_id!r} has a payment"
        return answered(
            payment, reply_to, PaymentReply(payment=payment, error="EXISTS", message=message)
        )
    if payment is not None and payment.rejected:
        message = f"order {prepay.order_id!r} was rejected by inventory: there is nothing to pay"
        return answered(payment, reply_to, PaymentReply(error="REJECTED", message=message))
    prepaid = {
        "source": "prepayment",
        "prepaid": prepay.amount,
        "payment_token": prepay.payment_token,
        "waiting": (reply_to,) if reply_to else (),
        "asked": Asked(status="PENDING", by=prepay.requested_by),
    }
    if payment is None:
        return charge(new_payment(prepay.order_id, now, **prepaid), now)
    return charge(updated(payment, now, **prepaid), now)


def change_status(
    payment: Payment | None,
    change: ChangePaymentStatus,
    now: datetime,
    reply_to: ReplyAddress | None,
) -> Decision[Payment]:
    if payment is None or not payment.exists:
        message = f"no payment for order {change.order_id!r}"
        return answered(
            payment, reply_to, PaymentReply(payment=payment, error="NOT_FOUND", message=message)
        )
    asked = Asked(status=change.status, by=change.requested_by)
    match payment.status, change.status:
        case current, wanted if current == wanted:  # a repeat: the same answer again
            return replace(repeat(payment, now), replies=_replies(payment, reply_to))
        case "REFUNDING", "REFUNDED":  # a repeat while the refund is under way
            later = updated(payment, now, waiting=(*payment.waiting, *addresses(reply_to)))
            return Decision(later, changed=True, commands=(refund_request(later),))
        case "PENDING", "COMPLETED":
            decision = captured(updated(payment, now, asked=asked), now)
        case "PENDING", "FAILED":
            reason = change.reason or "FAILED_BY_PROCESSOR"
            decision = failed(updated(payment, now, asked=asked), reason, now)
        case "COMPLETED", "REFUNDED":
            waiting = (*payment.waiting, *addresses(reply_to))
            # Answered once refunded.
            return refund(updated(payment, now, waiting=waiting, asked=asked), now)
        case _:
            message = f"a {payment.status} payment cannot become {change.status}"
            refusal = PaymentReply(payment=payment, error="NOT_ALLOWED", message=message)
            return answered(payment, reply_to, refusal)
    return replace(decision, replies=_replies(state_of(decision), reply_to))


def _replies(
    payment: Payment, reply_to: ReplyAddress | None
) -> tuple[tuple[ReplyAddress, PaymentReply], ...]:
    reply = PaymentReply(payment=payment)
    return tuple((address, reply) for address in addresses(reply_to))
