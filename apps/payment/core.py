"""The payment rules, pure: one order's payment, from its order and reservation to money.

    AWAITING ──order and reservation known──> PENDING ──captured──> COMPLETED ──cancel──> REFUNDING
       │                                        │ declined, timed out                         │
       │ cancel                                 v                                             v
       └──────────> CANCELLED <──cancel──── FAILED                                        REFUNDED

A charge needs the token (ORDER.CREATED) and the amount (INVENTORY.RESERVED), which may
come in either order. The gateway is never called from here: a decision asks for a
charge or a refund, the gateway agent makes it, and its answer comes back as an input.
The payment id keys the gateway, so asking twice charges once.

A cancel before any payment leaves a CANCELLED tombstone, so a later reservation
charges nothing. Money captured after a cancel or a failure is refunded. A repeated
input changes nothing and re-emits the fact the current status stands for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from models.events import (
    Event,
    InventoryReserved,
    OrderCancelRequested,
    OrderCreated,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    event_id,
)
from models.payments import (
    ChangePaymentStatus,
    Charge,
    GatewayAnswered,
    GatewayRequest,
    Payment,
    PaymentReply,
    Prepay,
    Refund,
    TimeOutPayment,
    payment_id_for,
)
from models.reservations import ReplyAddress

PaymentInput = (
    OrderCreated
    | InventoryReserved
    | OrderCancelRequested
    | GatewayAnswered
    | TimeOutPayment
    | Prepay
    | ChangePaymentStatus
)

TIMEOUT = "TIMEOUT"
PREPAYMENT_TOO_LOW = "PREPAYMENT_TOO_LOW"


@dataclass(frozen=True)
class Decision:
    """The payment after an input, and what to ask of the gateway and tell the saga."""

    payment: Payment | None
    changed: bool = False
    requests: tuple[GatewayRequest, ...] = ()
    events: tuple[Event, ...] = ()
    replies: tuple[tuple[ReplyAddress, PaymentReply], ...] = ()


def decide(
    payment: Payment | None,
    message: PaymentInput,
    now: datetime,
    reply_to: ReplyAddress | None = None,
) -> Decision:
    """What `message` does to the order's payment; `reply_to` is a REST caller's."""
    match message:
        case OrderCreated():
            return _order_known(payment, message, now)
        case InventoryReserved():
            return _reserved(payment, message, now)
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


def overdue(payments: Iterable[Payment], now: datetime, timeout: timedelta) -> list[TimeOutPayment]:
    """A timeout for each payment PENDING since longer than `timeout` (a timer sends them)."""
    return [
        TimeOutPayment(order_id=payment.order_id, charged_at=payment.charged_at)
        for payment in payments
        if payment.status == "PENDING"
        and payment.charged_at is not None
        and now - payment.charged_at > timeout
    ]


# -- the saga's inputs ------------------------------------------------------------------


def _order_known(payment: Payment | None, created: OrderCreated, now: datetime) -> Decision:
    if payment is not None and payment.order_known:
        return _repeat(payment, now)
    known = {"order_known": True, "customer_id": created.customer_id}
    if payment is None:
        payment = _new(created.order_id, now, payment_token=created.payment_token, **known)
        return Decision(payment, changed=True)
    if payment.source == "saga":
        known["payment_token"] = created.payment_token
    payment = _update(payment, now, **known)
    if payment.status == "AWAITING" and payment.reserved:
        return _charge(payment, now)
    return Decision(payment, changed=True)


def _reserved(payment: Payment | None, reserved: InventoryReserved, now: datetime) -> Decision:
    if payment is not None and payment.reserved:
        return _repeat(payment, now)
    if payment is None:
        return Decision(
            _new(reserved.order_id, now, reserved=True, amount=reserved.amount), changed=True
        )
    payment = _update(payment, now, reserved=True, amount=reserved.amount)
    if payment.status == "AWAITING":
        return _charge(payment, now) if payment.order_known else Decision(payment, changed=True)
    if payment.source == "prepayment" and payment.status == "COMPLETED":
        return _settle_prepayment(payment, now)
    # CANCELLED charges nothing and says so again; a pending prepayment waits.
    return Decision(payment, changed=True, events=_facts(payment, now))


def _cancel(payment: Payment | None, order_id: str, now: datetime) -> Decision:
    if payment is None:
        payment = _new(order_id, now, status="CANCELLED", reason="CANCELLED")
        return Decision(payment, changed=True, events=_facts(payment, now))
    match payment.status:
        case "AWAITING" | "PENDING":
            # A charge in flight may still capture: that money is refunded when it does.
            cancelled = _update(payment, now, status="CANCELLED", reason="CANCELLED")
            return Decision(cancelled, changed=True, events=_facts(cancelled, now))
        case "COMPLETED":
            return _refund(payment, now)
        case _:  # FAILED re-emits what releases the stock; the rest are done or under way
            return _repeat(payment, now)


# -- the gateway's answers ----------------------------------------------------------------


def _charge_answered(payment: Payment | None, answer: GatewayAnswered, now: datetime) -> Decision:
    if payment is None:
        return Decision(None)
    match answer.outcome, payment.status:
        case "CAPTURED", "PENDING":
            return _captured(payment, now)
        case "CAPTURED", ("CANCELLED" | "FAILED") if not payment.captured:
            # Cancelled or timed out while the charge was under way: give it back.
            captured = _update(payment, now, captured=True)
            return Decision(captured, changed=True, requests=(_refund_request(captured),))
        case "DECLINED", "PENDING":
            return _failed(payment, answer.reason or "DECLINED", now)
        case _:  # PENDING at the gateway (it waits for a callback), or a repeated answer
            return Decision(payment)


def _refund_answered(payment: Payment | None, now: datetime) -> Decision:
    if payment is None or payment.refunded:
        return Decision(payment)
    if payment.status == "REFUNDING":
        refunded = _update(payment, now, status="REFUNDED", refunded=True)
        return Decision(refunded, changed=True, events=_facts(refunded, now))
    return Decision(_update(payment, now, refunded=True), changed=True)


def _timed_out(payment: Payment | None, timeout: TimeOutPayment, now: datetime) -> Decision:
    if payment is None or payment.status != "PENDING" or payment.charged_at != timeout.charged_at:
        return Decision(payment)  # answered, or charged again, since the timer looked
    return _failed(payment, TIMEOUT, now)


# -- REST commands ------------------------------------------------------------------------


def _prepay(
    payment: Payment | None, prepay: Prepay, now: datetime, reply_to: ReplyAddress | None
) -> Decision:
    if payment is not None and payment.exists:
        return _answer(payment, reply_to, "EXISTS", f"order {prepay.order_id!r} has a payment")
    prepaid = {
        "source": "prepayment",
        "prepaid": prepay.amount,
        "payment_token": prepay.payment_token,
        "waiting": (reply_to,) if reply_to else (),
    }
    if payment is None:
        return _charge(_new(prepay.order_id, now, **prepaid), now)
    return _charge(_update(payment, now, **prepaid), now)


def _change(
    payment: Payment | None,
    change: ChangePaymentStatus,
    now: datetime,
    reply_to: ReplyAddress | None,
) -> Decision:
    if payment is None or not payment.exists:
        return _answer(payment, reply_to, "NOT_FOUND", f"no payment for order {change.order_id!r}")
    match payment.status, change.status:
        case "PENDING", "COMPLETED":
            decision = _captured(payment, now)
        case "PENDING", "FAILED":
            decision = _failed(payment, change.reason or "FAILED_BY_PROCESSOR", now)
        case "COMPLETED", "REFUNDED":
            later = _update(payment, now, waiting=(*payment.waiting, *_listed(reply_to)))
            return _refund(later, now)  # answered once refunded
        case _:
            message = f"a {payment.status} payment cannot become {change.status}"
            return _answer(payment, reply_to, "NOT_ALLOWED", message)
    assert decision.payment is not None
    reply = PaymentReply(payment=decision.payment)
    return replace(decision, replies=tuple((address, reply) for address in _listed(reply_to)))


# -- transitions ---------------------------------------------------------------------------


def _charge(payment: Payment, now: datetime) -> Decision:
    pending = _update(payment, now, status="PENDING", charged_at=now)
    return Decision(
        pending, changed=True, requests=(_charge_request(pending),), events=_facts(pending, now)
    )


def _captured(payment: Payment, now: datetime) -> Decision:
    completed = _update(payment, now, status="COMPLETED", captured=True, reason=None)
    if completed.source == "prepayment" and completed.reserved:
        return _settle_prepayment(completed, now)
    return Decision(completed, changed=True, events=_facts(completed, now))


def _settle_prepayment(payment: Payment, now: datetime) -> Decision:
    """A captured prepayment meets its reservation: enough settles the saga, less fails it."""
    if (payment.prepaid or Decimal(0)) >= (payment.amount or Decimal(0)):
        return Decision(payment, changed=True, events=_facts(payment, now))
    failed = _failed(payment, PREPAYMENT_TOO_LOW, now)
    assert failed.payment is not None
    return replace(failed, requests=(_refund_request(failed.payment),))


def _failed(payment: Payment, reason: str, now: datetime) -> Decision:
    failed = _update(payment, now, status="FAILED", reason=reason)
    return Decision(failed, changed=True, events=_facts(failed, now))


def _refund(payment: Payment, now: datetime) -> Decision:
    refunding = _update(payment, now, status="REFUNDING")
    return Decision(refunding, changed=True, requests=(_refund_request(refunding),))


def _repeat(payment: Payment, now: datetime) -> Decision:
    """Change nothing; re-send what is owed to the gateway and the saga's last fact."""
    owed: tuple[GatewayRequest, ...] = ()
    if payment.status == "PENDING":
        owed = (_charge_request(payment),)
    elif payment.status == "REFUNDING":
        owed = (_refund_request(payment),)
    return Decision(payment, requests=owed, events=_facts(payment, now))


def _facts(payment: Payment, now: datetime) -> tuple[Event, ...]:
    """The saga event the current status stands for, once the saga waits for it."""
    order_id = payment.order_id
    common = {"order_id": order_id, "occurred_at": now}
    if payment.status == "CANCELLED":  # the order is being cancelled: always answered
        return (PaymentCancelled(event_id=event_id(order_id, "PAYMENT.FAIL_CANCEL"), **common),)
    if not payment.reserved:
        return ()
    match payment.status:
        case "PENDING" | "COMPLETED":
            return (
                PaymentStatusUpdated(
                    event_id=event_id(order_id, "PAYMENT.STATUS_UPDATE", payment.status),
                    status=payment.status,
                    payment_id=payment.payment_id,
                    amount=_charged(payment),
                    **common,
                ),
            )
        case "FAILED":
            return (
                PaymentFailed(
                    event_id=event_id(order_id, "PAYMENT.FAIL"),
                    reason=payment.reason or "FAILED",
                    **common,
                ),
            )
        case "REFUNDED":
            return (PaymentRefunded(event_id=event_id(order_id, "PAYMENT.REFUNDED"), **common),)
        case _:
            return ()


def _answer_waiting(decision: Decision, now: datetime) -> Decision:
    """Answer the REST callers waiting for the gateway, unless a refund is still under way."""
    payment = decision.payment
    if payment is None or not payment.waiting or payment.status == "REFUNDING":
        return decision
    answered = _update(payment, now, waiting=())
    reply = PaymentReply(payment=answered)
    replies = tuple((address, reply) for address in payment.waiting)
    return replace(decision, payment=answered, changed=True, replies=replies)


# -- helpers ---------------------------------------------------------------------------------


def _charge_request(payment: Payment) -> Charge:
    return Charge(
        order_id=payment.order_id,
        payment_id=payment.payment_id,
        amount=_charged(payment) or Decimal(0),
        payment_token=payment.payment_token,
    )


def _refund_request(payment: Payment) -> Refund:
    return Refund(
        order_id=payment.order_id,
        payment_id=payment.payment_id,
        amount=_charged(payment) or Decimal(0),
    )


def _charged(payment: Payment) -> Decimal | None:
    return payment.prepaid if payment.source == "prepayment" else payment.amount


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


def _update(payment: Payment, now: datetime, **changes: object) -> Payment:
    return payment.model_copy(update={**changes, "updated_at": now})


def _answer(
    payment: Payment | None,
    reply_to: ReplyAddress | None,
    error: str | None = None,
    message: str | None = None,
) -> Decision:
    if reply_to is None:
        return Decision(payment)
    reply = PaymentReply.model_validate({"payment": payment, "error": error, "message": message})
    return Decision(payment, replies=((reply_to, reply),))


def _listed(reply_to: ReplyAddress | None) -> tuple[ReplyAddress, ...]:
    return (reply_to,) if reply_to is not None else ()
