"""The order rules, pure: an order's status from what the saga tells about it.

    PENDING ──INVENTORY.RESERVED──> RESERVED ──payment completed──> CONFIRMED
       │  └────────────────────────────┴── rejected, payment failed ──> FAILED (reason)
       └── cancel (PENDING, RESERVED, CONFIRMED), or a refund ──> CANCELLING ──> CANCELLED

Events come from several topics, so in any order. Each one records a fact (prices,
payment status, stock released, payment settled), and the status follows from the
facts, only ever forward. A cancellation finishes when the payment is settled
(cancelled, refunded or failed) and the stock is back; then ORDER.CANCELLED_CONFIRMED.
A repeated event changes nothing, and says again what the order's state owes (its
creation, its cancel request, its confirmation): the first sending may have been lost.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from apps.platform.decision import Decision, answered
from models.actors import Actor
from models.base import ReplyAddress, updated
from models.events import (
    Event,
    InventoryReserved,
    InventoryStatusUpdated,
    OrderCancelledConfirmed,
    OrderCancelRequested,
    OrderCreated,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    StockReleased,
    event_id,
)
from models.orders import (
    SETTLED,
    CancelOrder,
    Change,
    NudgeOrder,
    Order,
    OrderItem,
    OrderReply,
    PlaceOrder,
)

OrderInput = (
    PlaceOrder
    | CancelOrder
    | NudgeOrder
    | InventoryReserved
    | InventoryStatusUpdated
    | StockReleased
    | PaymentStatusUpdated
    | PaymentFailed
    | PaymentCancelled
    | PaymentRefunded
)

#: A payment status only moves up this ladder, whatever order its events come in.
PAYMENT_RANK = {None: 0, "PENDING": 1, "COMPLETED": 2, "FAILED": 3, "CANCELLED": 3, "REFUNDED": 4}
IN_PROGRESS = frozenset({"PENDING", "RESERVED"})
CANCELLABLE = frozenset({"PENDING", "RESERVED", "CONFIRMED"})


def decide(
    order: Order | None,
    message: OrderInput,
    now: datetime,
    reply_to: ReplyAddress | None = None,
) -> Decision[Order]:
    """What `message` does to the order it names; `reply_to` is a REST caller's."""
    match message:
        case PlaceOrder():
            return _place(order, message, now, reply_to)
        case CancelOrder():
            return _cancel(order, message, now, reply_to)
        case _ if order is None:
            return Decision(None)  # about an order this service never placed
    if isinstance(message, NudgeOrder):
        return _nudge(order, message, now)
    before = order
    match message:
        case InventoryReserved():
            prices = {line.product_id: line.unit_price for line in message.items}
            items = tuple(
                item.model_copy(update={"unit_price": prices.get(item.product_id)})
                for item in order.items
            )
            order = updated(order, now, items=items, amount=message.amount)
            order = _move(order, IN_PROGRESS, "RESERVED", message.type, now)
        case InventoryStatusUpdated(status="REJECTED"):
            order = updated(order, now, stock_released=True)
            order = _fail(order, message.reason or "REJECTED", f"{message.type} REJECTED", now)
        case InventoryStatusUpdated():  # COMMITTED: the payment was completed
            order = _move(order, IN_PROGRESS, "CONFIRMED", f"{message.type} COMMITTED", now)
        case StockReleased():
            order = updated(order, now, stock_released=True)
        case PaymentStatusUpdated():
            order = _payment(order, message.status, now)
            if message.status == "COMPLETED":
                cause = f"{message.type} COMPLETED"
                order = _move(order, IN_PROGRESS, "CONFIRMED", cause, now, message.requested_by)
        case PaymentFailed():
            order = updated(_payment(order, "FAILED", now), now, payment_settled=True)
            order = _fail(order, message.reason, message.type, now, message.requested_by)
        case PaymentCancelled():
            order = updated(_payment(order, "CANCELLED", now), now, payment_settled=True)
        case PaymentRefunded():
            order = updated(_payment(order, "REFUNDED", now), now, payment_settled=True)
            order = _move(order, CANCELLABLE, "CANCELLING", message.type, now, message.requested_by)
    return _finish_cancellation(before, order, now)


def _place(
    order: Order | None, place: PlaceOrder, now: datetime, reply_to: ReplyAddress | None
) -> Decision[Order]:
    if order is not None:
        if order.fingerprint != place.fingerprint:
            return _refuse(order, reply_to, "IDEMPOTENCY_CONFLICT", "this key placed another order")
        # The same request again: the same order. A replay of the very command that
        # placed it re-emits ORDER.CREATED, in case the first sending was lost.
        replayed = (_created(order),) if place.command_id == order.placed_by else ()
        return replace(answered(order, reply_to, OrderReply(order=order)), events=replayed)
    new = Order(
        id=place.order_id,
        customer_id=place.order.customer_id,
        items=tuple(
            OrderItem(product_id=line.product_id, quantity=line.quantity)
            for line in place.order.items
        ),
        payment_token=place.order.payment_token,
        created_at=now,
        updated_at=now,
        history=(Change(status="PENDING", at=now, cause="POST /orders", by=place.requested_by),),
        fingerprint=place.fingerprint,
        placed_by=place.command_id,
    )
    reply = OrderReply(order=new, created=True)
    return replace(answered(new, reply_to, reply), changed=True, events=(_created(new),))


def _cancel(
    order: Order | None, cancel: CancelOrder, now: datetime, reply_to: ReplyAddress | None
) -> Decision[Order]:
    # Another customer's order is as good as none: its existence does not leak.
    if order is None or cancel.customer_id not in (None, order.customer_id):
        return _refuse(None, reply_to, "NOT_FOUND", "no such order")
    if order.status == "CANCELLING":  # a repeat: answered alike, its request said again
        requested = _cancel_requested_again(order, now)
        return replace(answered(order, reply_to, OrderReply(order=order)), events=(requested,))
    if order.status not in CANCELLABLE:
        message = f"a {order.status} order cannot be cancelled"
        return _refuse(order, reply_to, "NOT_CANCELLABLE", message)
    cause = f"DELETE /orders/{order.id}"
    cancelling = _move(order, CANCELLABLE, "CANCELLING", cause, now, cancel.requested_by)
    reply = OrderReply(order=cancelling)
    requested = _cancel_requested(order, now, cancel.requested_by)
    return replace(answered(cancelling, reply_to, reply), changed=True, events=(requested,))


def _nudge(order: Order, nudge: NudgeOrder, now: datetime) -> Decision[Order]:
    """Say again what a stalled order waits on; the services repeat what they decided.

    An order that moved since the timer looked is left alone: it is not stalled.
    """
    if order.status in SETTLED or order.updated_at != nudge.updated_at:
        return Decision(order)
    if order.status == "CANCELLING":
        return Decision(order, events=(_cancel_requested_again(order, now),))
    return Decision(order, events=(_created(order),))


def _cancel_requested(order: Order, now: datetime, by: Actor | None) -> OrderCancelRequested:
    return OrderCancelRequested(
        event_id=event_id(order.id, "ORDER.CANCEL_REQUESTED"),
        order_id=order.id,
        occurred_at=now,
        requested_by=by,
    )


def _cancel_requested_again(order: Order, now: datetime) -> OrderCancelRequested:
    """The cancel request of a CANCELLING order, in the name of whoever asked for it."""
    asked = next((change.by for change in order.history if change.status == "CANCELLING"), None)
    return _cancel_requested(order, now, asked)


def _finish_cancellation(before: Order, order: Order, now: datetime) -> Decision[Order]:
    if order.status == "CANCELLING" and order.payment_settled and order.stock_released:
        order = _move(order, {"CANCELLING"}, "CANCELLED", "stock released, payment settled", now)
    changed = order.model_dump(exclude={"updated_at"}) != before.model_dump(exclude={"updated_at"})
    # The confirmation goes with the step to CANCELLED, and again with any repeat after
    # it: the first sending may have been lost (one fact: its event id does not change).
    events: tuple[Event, ...] = ()
    if order.status == "CANCELLED":
        events = (
            OrderCancelledConfirmed(
                event_id=event_id(order.id, "ORDER.CANCELLED_CONFIRMED"),
                order_id=order.id,
                occurred_at=now,
            ),
        )
    return Decision(order if changed else before, changed=changed, events=events)


def _move(
    order: Order,
    allowed: frozenset[str] | set[str],
    status: str,
    cause: str,
    now: datetime,
    by: Actor | None = None,
) -> Order:
    """Move to `status` if the order is in one of the `allowed` statuses, recording why
    and who asked."""
    if order.status not in allowed or order.status == status:
        return order
    change = Change.model_validate({"status": status, "at": now, "cause": cause, "by": by})
    return updated(order, now, status=status, history=(*order.history, change))


def _fail(order: Order, reason: str, cause: str, now: datetime, by: Actor | None = None) -> Order:
    failed = _move(order, IN_PROGRESS, "FAILED", f"{cause}: {reason}", now, by)
    return updated(failed, now, reason=reason) if failed is not order else order


def _payment(order: Order, status: str, now: datetime) -> Order:
    if PAYMENT_RANK[status] <= PAYMENT_RANK.get(order.payment_status, 0):
        return order
    return updated(order, now, payment_status=status)


def _created(order: Order) -> OrderCreated:
    return OrderCreated.model_validate(
        {
            "event_id": event_id(order.id, "ORDER.CREATED"),
            "order_id": order.id,
            "occurred_at": order.created_at,
            "customer_id": order.customer_id,
            "items": [{"product_id": i.product_id, "quantity": i.quantity} for i in order.items],
            "payment_token": order.payment_token,
            "requested_by": order.history[0].by,
        }
    )


def _refuse(
    order: Order | None, reply_to: ReplyAddress | None, error: str, message: str
) -> Decision[Order]:
    reply = OrderReply.model_validate({"order": order, "error": error, "message": message})
    return answered(order, reply_to, reply)
