"""The payment rules, pure: one order's payment, from its order and reservation to money.

    AWAITING ──order and reservation──> PENDING ──captured──> COMPLETED ──cancel, rejected────┐
       │                                   │   │                                              v
       │ cancel                    cancel  │   │ declined, timed out, rejected            REFUNDING
       v                                   │   v                                              │
    CANCELLED <────────────────────────────┘  FAILED                                       REFUNDED

A charge needs the token (ORDER.CREATED) and the amount (INVENTORY.RESERVED), which may
come in either order. The gateway is never called from here: a decision asks for a
charge or a refund, the gateway agent makes it, and its answer comes back as an input.
The payment id keys the gateway, so asking twice charges once. The saga hears of a
PENDING payment (PAYMENT.STATUS_UPDATE PENDING) only when the gateway holds the charge
for the processor's callback; a charge captured at once goes straight to COMPLETED.

A cancel before any payment leaves a CANCELLED tombstone, so a later reservation
charges nothing. Money captured after a cancel or a failure is refunded. An order that
inventory rejects (INVENTORY.STATUS_UPDATE REJECTED) is never charged: a prepayment
under way fails, one captured is refunded, and a later one is refused. A repeated
input changes nothing and re-emits the fact the current status stands for.

`decide` routes each input to where its rules live: `saga` (the saga's events),
`answers` (the gateway's answers and the timer), `commands` (REST), all built on the
moves of `transitions`.
"""

from __future__ import annotations

from datetime import datetime

from apps.payment.core import answers, commands, saga
from apps.platform.decision import Decision
from models.base import ReplyAddress
from models.events import (
    InventoryReserved,
    InventoryStatusUpdated,
    OrderCancelRequested,
    OrderCreated,
)
from models.payments import (
    ChangePaymentStatus,
    GatewayAnswered,
    Payment,
    Prepay,
    TimeOutPayment,
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


def decide(
    payment: Payment | None,
    message: PaymentInput,
    now: datetime,
    reply_to: ReplyAddress | None = None,
) -> Decision[Payment]:
    """What `message` does to the order's payment; `reply_to` is a REST caller's."""
    match message:
        case OrderCreated():
            return saga.order_known(payment, message, now)
        case InventoryReserved():
            return saga.reserved(payment, message, now)
        case InventoryStatusUpdated(status="REJECTED"):
            return saga.rejected(payment, message.order_id, now)
        case InventoryStatusUpdated():  # COMMITTED: the saga ended as this payment said
            return Decision(payment)
        case OrderCancelRequested():
            return saga.cancel(payment, message.order_id, now)
        case GatewayAnswered(request="Charge"):
            return answers.charge_answered(payment, message, now)
        case GatewayAnswered():
            return answers.refund_answered(payment, now)
        case TimeOutPayment():
            return answers.timed_out(payment, message, now)
        case Prepay():
            return commands.take_prepayment(payment, message, now, reply_to)
        case ChangePaymentStatus():
            return commands.change_status(payment, message, now, reply_to)
