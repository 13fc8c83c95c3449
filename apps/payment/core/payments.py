"""The payment rules, pure: one order's payment, from its order and reservation to money.

    AWAITING ──order and reservation──> PENDING ──captured──> COMPLETED ──cancel, rejected────┐
       │                                   │   │                                              v
       │ cancel                    cancel  │   │ declined, timed out, rejected            REFUNDING
       v                                   │   v                                              │
    CANCELLED <────────────────────────────┘  FAILED                                       REFUNDED

A charge needs the token (ORDER.CREATED) and the amount (INVENTORY.RESERVED), which may
come in either order. The gateway is never called from here: a decision asks for a
charge or a refund, the gateway agent makes it, and its answer comes back as an input.
The payment id keys the gateway, so asking twice charges once.

A cancel before any payment leaves a CANCELLED tombstone, so a later reservation
charges nothing. Money captured after a cancel or a failure is refunded. An order that
inventory rejects (INVENTORY.STATUS_UPDATE REJECTED) is never charged: a prepayment
under way fails, one captured is refunded, and a later one is refused. A repeated
input changes nothing and re-emits the fact the current status stands for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from apps.payment.core.messages import charge_request, facts, refund_request
from apps.platform.decision import Decision, addresses, answer_waiting, answered
from models.base import ReplyAddress, updated
from models.events import (
    InventoryReserved,
    InventoryStatusUpdated,
    OrderCancelRequested,
    OrderCreated,
)
from models.payments import (
    Asked,
    ChangePaymentStatus,
    GatewayAnswered,
    GatewayRequest,
    Payment,
    PaymentReply,
    Prepay,
    TimeOutPayment,
    payment_id_for,
)

PaymentInput = (
    OrderCreated
    | InventoryReserved
    | InventoryStatusUpdated
    | OrderCancelRequested
    | GatewayAnswered
    | TimeOutPayment
    | Prepay
    | ChangePaymentStatus
)

TIMEOUT = "TIMEOUT"
PREPAYMENT_TOO_LOW = "PREPAYMENT_TOO_LOW"
ORDER_REJECTED = "ORDER_REJECTED"


def decide(
    payment: Payment | None,
    message: PaymentInput,
    now: datetime,
    reply_to: ReplyAddress | None = None,
) -> Decision[Payment]:
    """What `message` does to the order's payment; `reply_to` is a REST caller's."""
    match message:
        case OrderCreated():
            return _order_known(payment, message, now)
        case InventoryReserved():
            return _reserved(payment, message, now)
        case InventoryStatusUpdated(status="REJECTED"):
            return _rejected(payment, message.order_id, now)
        case InventoryStatusUpdated():  # COMMITTED: the saga ended as this payment said
            return Decision(payment)
        case OrderCancelRequested():
            return _cancel(payment, message.order_id, now)
        case GatewayAnswered(request="Charge"):
            return _answer_waiting(_charge_answered(payment, message, now), now)
        case GatewayAnswered():
            return _answer_waiting(_refund_answered(payment, now), now)
        case TimeOutPayment():
            return _timed_out(payment, message, now)
        case Prepay():
            return _prepay(payment, message, now, reply_to)
        case ChangePaymentStatus():
            return _change(payment, message, now, reply_to)


# -- the saga's inputs ------------------------------------------------------------------


def _order_known(
    payment: Payment | None, created: OrderCreated, now: datetime
) -> Decision[Payment]:
    if payment is not None and payment.order_known:
        return _repeat(payment, now)
    known = {"order_known": True, "customer_id": created.customer_id}
    if payment is None:
        payment = _new(created.order_id, now, payment_token=created.payment_token, **known)
        return Decision(payment, changed=True)
    if payment.source == "saga":
        known["payment_token"] = created.payment_token
    payment = updated(payment, now, **known)
    if payment.status == "AWAITING" and payment.reserved and not payment.rejected:
        return _charge(payment, now)
    return Decision(payment, changed=True)


def _reserved(
    payment: Payment | None, reserved: InventoryReserved, now: datetime
) -> Decision[Payment]:
    # Inventory decides an order once: after its rejection, a reservation is not believed.
    if payment is not None and (payment.reserved or payment.rejected):
        return _repeat(payment, now)
    if payment is None:
        return Decision(
            _new(reserved.order_id, now, reserved=True, amount=reserved.amount), changed=True
        )
    payment = updated(payment, now, reserved=True, amount=reserved.amount)
    if payment.status == "AWAITING":
        return _charge(payment, now) if payment.order_known else Decision(payment, changed=True)
    if payment.source == "prepayment" and payment.status == "COMPLETED":
        return _settle_prepayment(payment, now)
    # CANCELLED charges nothing and says so again; a pending prepayment waits.
    return Decision(payment, changed=True, events=facts(payment, now))


def _rejected(payment: Payment | None, order_id: str, now: datetime) -> Decision[Payment]:
    if payment is not None and payment.rejected:
        return _repeat(payment, now)
    if payment is None:  # a later order or prepayment charges nothing
        return Decision(_new(order_id, now, rejected=True), changed=True)
    payment = updated(payment, now, rejected=True)
    match payment.status:
        case "PENDING":  # a prepayment under way: refunded if it captures after all
            return _failed(payment, ORDER_REJECTED, now)
        case "COMPLETED":  # a captured prepayment
            return _refund(updated(payment, now, reason=ORDER_REJECTED), now)
        case _:  # nothing charged, or settled: a cancel may now hear how
            return replace(_repeat(payment, now), changed=True)


def _cancel(payment: Payment | None, order_id: str, now: datetime) -> Decision[Payment]:
    if payment is None:
        payment = _new(order_id, now, status="CANCELLED", reason="CANCELLED")
        return Decision(payment, changed=True, events=facts(payment, now))
    match payment.status:
        case "AWAITING" | "PENDING":
            # A charge in flight may still capture: that money is refunded when it does.
            cancelled = updated(payment, now, status="CANCELLED", reason="CANCELLED")
            return Decision(cancelled, changed=True, events=facts(cancelled, now))
        case "COMPLETED":
            return _refund(payment, now)
        case _:  # FAILED re-emits what releases the stock; the rest are done or under way
            return _repeat(payment, now)


# -- the gateway's answers ----------------------------------------------------------------


def _charge_answered(
    payment: Payment | None, answer: GatewayAnswered, now: datetime
) -> Decision[Payment]:
    if payment is None:
        return Decision(None)
    match answer.outcome, payment.status:
        case "CAPTURED", "PENDING":
            return _captured(payment, now)
        case "CAPTURED", ("CANCELLED" | "FAILED") if not payment.captured:
            # Cancelled or timed out while the charge was under way: give it back.
            captured = updated(payment, now, captured=True)
            return Decision(captured, changed=True, commands=(refund_request(captured),))
        case "DECLINED", "PENDING":
            return _failed(payment, answer.reason or "DECLINED", now)
        case "PENDING", "PENDING":  # the gateway waits for the processor's callback
            return Decision(payment)
        case _:  # a repeated answer: what the first owed may not have been sent
            return _repeat(payment, now)


def _refund_answered(payment: Payment | None, now: datetime) -> Decision[Payment]:
    if payment is None:
        return Decision(None)
    if payment.refunded:  # a repeated answer
        return _repeat(payment, now)
    if payment.status == "REFUNDING":
        refunded = updated(payment, now, status="REFUNDED", refunded=True)
        return Decision(refunded, changed=True, events=facts(refunded, now))
    return Decision(updated(payment, now, refunded=True), changed=True)


def _timed_out(
    payment: Payment | None, timeout: TimeOutPayment, now: datetime
) -> Decision[Payment]:
    if payment is None:
        return Decision(None)
    if payment.status != "PENDING":  # answered since the timer looked, or a repeat
        return _repeat(payment, now)
    if payment.charged_at != timeout.charged_at:
        return Decision(payment)  # charged again since the timer looked
    return _failed(payment, TIMEOUT, now)


# -- REST commands ------------------------------------------------------------------------


def _prepay(
    payment: Payment | None, prepay: Prepay, now: datetime, reply_to: ReplyAddress | None
) -> Decision[Payment]:
    # A customer prepays only an order known here as its own; another's is as good as none.
    if prepay.customer_id is not None and (
        payment is None or payment.customer_id != prepay.customer_id
    ):
        message = f"no order {prepay.order_id!r}"
        return answered(payment, reply_to, PaymentReply(error="NOT_FOUND", message=message))
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
        return _charge(_new(prepay.order_id, now, **prepaid), now)
    return _charge(updated(payment, now, **prepaid), now)


def _change(
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
            return replace(_repeat(payment, now), replies=_replies(payment, reply_to))
        case "REFUNDING", "REFUNDED":  # a repeat while the refund is under way
            later = updated(payment, now, waiting=(*payment.waiting, *addresses(reply_to)))
            return Decision(later, changed=True, commands=(refund_request(later),))
        case "PENDING", "COMPLETED":
            decision = _captured(updated(payment, now, asked=asked), now)
        case "PENDING", "FAILED":
            reason = change.reason or "FAILED_BY_PROCESSOR"
            decision = _failed(updated(payment, now, asked=asked), reason, now)
        case "COMPLETED", "REFUNDED":
            waiting = (*payment.waiting, *addresses(reply_to))
            # Answered once refunded.
            return _refund(updated(payment, now, waiting=waiting, asked=asked), now)
        case _:
            message = f"a {payment.status} payment cannot become {change.status}"
            refusal = PaymentReply(payment=payment, error="NOT_ALLOWED", message=message)
            return answered(payment, reply_to, refusal)
    assert decision.state is not None
    return replace(decision, replies=_replies(decision.state, reply_to))


def _replies(
    payment: Payment, reply_to: ReplyAddress | None
) -> tuple[tuple[ReplyAddress, PaymentReply], ...]:
    reply = PaymentReply(payment=payment)
    return tuple((address, reply) for address in addresses(reply_to))


# -- transitions ---------------------------------------------------------------------------


def _charge(payment: Payment, now: datetime) -> Decision[Payment]:
    pending = updated(payment, now, status="PENDING", charged_at=now)
    return Decision(
        pending, changed=True, commands=(charge_request(pending),), events=facts(pending, now)
    )


def _captured(payment: Payment, now: datetime) -> Decision[Payment]:
    completed = updated(payment, now, status="COMPLETED", captured=True, reason=None)
    if completed.source == "prepayment" and completed.reserved:
        return _settle_prepayment(completed, now)
    return Decision(completed, changed=True, events=facts(completed, now))


def _settle_prepayment(payment: Payment, now: datetime) -> Decision[Payment]:
    """A captured prepayment meets its reservation: enough settles the saga, less fails it."""
    if (payment.prepaid or Decimal(0)) >= (payment.amount or Decimal(0)):
        return Decision(payment, changed=True, events=facts(payment, now))
    failed = _failed(payment, PREPAYMENT_TOO_LOW, now)
    assert failed.state is not None
    return replace(failed, commands=(refund_request(failed.state),))


def _failed(payment: Payment, reason: str, now: datetime) -> Decision[Payment]:
    failed = updated(payment, now, status="FAILED", reason=reason)
    return Decision(failed, changed=True, events=facts(failed, now))


def _refund(payment: Payment, now: datetime) -> Decision[Payment]:
    refunding = updated(payment, now, status="REFUNDING")
    return Decision(refunding, changed=True, commands=(refund_request(refunding),))


def _repeat(payment: Payment, now: datetime) -> Decision[Payment]:
    """Change nothing; re-send what is owed to the gateway and the saga's last fact."""
    owed: tuple[GatewayRequest, ...] = ()
    if payment.status == "PENDING":
        owed = (charge_request(payment),)
    elif payment.status == "REFUNDING" or _capture_to_give_back(payment):
        owed = (refund_request(payment),)
    return Decision(payment, commands=owed, events=facts(payment, now))


def _capture_to_give_back(payment: Payment) -> bool:
    """A charge captured after its payment was cancelled or failed, not yet refunded."""
    return payment.captured and not payment.refunded and payment.status in {"CANCELLED", "FAILED"}


def _answer_waiting(decision: Decision[Payment], now: datetime) -> Decision[Payment]:
    """Answer the REST callers waiting for the gateway, unless a refund is still under way."""
    return answer_waiting(
        decision,
        now,
        lambda payment: PaymentReply(payment=payment),
        settled=lambda payment: payment.status != "REFUNDING",
    )


# -- helpers ---------------------------------------------------------------------------------


def _new(order_id: str, now: datetime, **fields: object) -> Payment:
    return Payment.model_validate(
        {
            "order_id": order_id,
            "payment_id": payment_id_for(order_id),
            "created_at": now,
            "updated_at": now,
            **fields,
        }
    )
