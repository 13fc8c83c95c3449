"""The order rules, pure: an order's status from what the saga tells about it.

    PENDING ──INVENTORY.RESERVED──> RESERVED ──payment completed──> CONFIRMED
       │  └────────────────────────────┴── rejected, payment failed ──> FAILED (reason)
       └── cancel (PENDING, RESERVED, CONFIRMED), or a refund ──> CANCELLING ──> CANCELLED

Events come from several topics, so in any order. Each one records a fact (prices,
payment status, stock released, payment settled), and the status follows from the
facts, only ever forward. A cancellation finishes when the payment is settled
(cancelled, refunded or failed) and the stock is back; then ORDER.CANCELLED_CONFIRMED.
A repeated event changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
from models.orders import CancelOrder, Change, Order, OrderItem, OrderReply, PlaceOrder

OrderInput = (
    PlaceOrder
    | CancelOrder
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


@dataclass(frozen=True)
class Decision:
    """The order after an input, the events to emit, and the answer to a REST command."""

    order: Order | None
    changed: bool = False
    events: tuple[Event, ...] = ()
    reply: OrderReply | None = None


def decide(order: Order | None, message: OrderInput, now: datetime) -> Decision:
    """What `message` does to the order it names."""
    match message:
        case PlaceOrder():
            return _place(order, message, now)
        case CancelOrder():
            return _cancel(order, now)
        case _ if order is None:
            return Decision(None)  # about an order this service never placed
    before = order
    match message:
        case InventoryReserved():
            prices = {line.product_id: line.unit_price for line in message.items}
            items = tuple(
                item.model_copy(update={"unit_price": prices.get(item.product_id)})
                for item in order.items
            )
            order = _update(order, now, items=items, amount=message.amount)
            order = _move(order, IN_PROGRESS, "RESERVED", message.type, now)
        case InventoryStatusUpdated(status="REJECTED"):
            order = _update(order, now, stock_released=True)
            order = _fail(order, message.reason or "REJECTED", f"{message.type} REJECTED", now)
        case InventoryStatusUpdated():  # COMMITTED: the payment was completed
            order = _move(order, IN_PROGRESS, "CONFIRMED", f"{message.type} COMMITTED", now)
        case StockReleased():
            order = _update(order, now, stock_released=True)
        case PaymentStatusUpdated():
            order = _payment(order, message.status, now)
            if message.status == "COMPLETED":
                order = _move(order, IN_PROGRESS, "CONFIRMED", f"{message.type} COMPLETED", now)
        case PaymentFailed():
            order = _update(_payment(order, "FAILED", now), now, payment_settled=True)
            order = _fail(order, message.reason, message.type, now)
        case PaymentCancelled():
            order = _update(_payment(order, "CANCELLED", now), now, payment_settled=True)
        case PaymentRefunded():
            order = _update(_payment(order, "REFUNDED", now), now, payment_settled=True)
            order = _move(order, CANCELLABLE, "CANCELLING", message.type, now)
    return _finish_cancellation(before, order, now)


def _place(order: Order | None, place: PlaceOrder, now: datetime) -> Decision:
    if order is not None:
        if order.fingerprint != place.fingerprint:
            return _refuse(order, "IDEMPOTENCY_CONFLICT", "this key placed another order")
        # The same request again: the same order. A replay of the very command that
        # placed it re-emits ORDER.CREATED, in case the first sending was lost.
        replayed = (_created(order),) if place.command_id == order.placed_by else ()
        return Decision(order, events=replayed, reply=OrderReply(order=order))
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
        history=(Change(status="PENDING", at=now, cause="POST /orders"),),
        fingerprint=place.fingerprint,
        placed_by=place.command_id,
    )
    return Decision(
        new, changed=True, events=(_created(new),), reply=OrderReply(order=new, created=True)
    )


def _cancel(order: Order | None, now: datetime) -> Decision:
    if order is None:
        return _refuse(None, "NOT_FOUND", "no such order")
    if order.status not in CANCELLABLE:
        return _refuse(order, "NOT_CANCELLABLE", f"a {order.status} order cannot be cancelled")
    cancelling = _move(order, CANCELLABLE, "CANCELLING", f"DELETE /orders/{order.id}", now)
    requested = OrderCancelRequested(
        event_id=event_id(order.id, "ORDER.CANCEL_REQUESTED"), order_id=order.id, occurred_at=now
    )
    return Decision(
        cancelling, changed=True, events=(requested,), reply=OrderReply(order=cancelling)
    )


def _finish_cancellation(before: Order, order: Order, now: datetime) -> Decision:
    events: tuple[Event, ...] = ()
    if order.status == "CANCELLING" and order.payment_settled and order.stock_released:
        order = _move(order, {"CANCELLING"}, "CANCELLED", "stock released, payment settled", now)
        events = (
            OrderCancelledConfirmed(
                event_id=event_id(order.id, "ORDER.CANCELLED_CONFIRMED"),
                order_id=order.id,
                occurred_at=now,
            ),
        )
    changed = order.model_dump(exclude={"updated_at"}) != before.model_dump(exclude={"updated_at"})
    return Decision(order if changed else before, changed=changed, events=events)


def _move(
    order: Order, allowed: frozenset[str] | set[str], status: str, cause: str, now: datetime
) -> Order:
    """Move to `status` if the order is in one of the `allowed` statuses, recording why."""
    if order.status not in allowed or order.status == status:
        return order
    change = Change.model_validate({"status": status, "at": now, "cause": cause})
    return _update(order, now, status=status, history=(*order.history, change))


def _fail(order: Order, reason: str, cause: str, now: datetime) -> Order:
    failed = _move(order, IN_PROGRESS, "FAILED", f"{cause}: {reason}", now)
    return _update(failed, now, reason=reason) if failed is not order else order


def _payment(order: Order, status: str, now: datetime) -> Order:
    if PAYMENT_RANK[status] <= PAYMENT_RANK.get(order.payment_status, 0):
        return order
    return _update(order, now, payment_status=status)


def _created(order: Order) -> OrderCreated:
    return OrderCreated.model_validate(
        {
            "event_id": event_id(order.id, "ORDER.CREATED"),
            "order_id": order.id,
            "occurred_at": order.created_at,
            "customer_id": order.customer_id,
            "items": [{"product_id": i.product_id, "quantity": i.quantity} for i in order.items],
            "payment_token": order.payment_token,
        }
    )


def _update(order: Order, now: datetime, **changes: object) -> Order:
    return order.model_copy(update={**changes, "updated_at": now})


def _refuse(order: Order | None, error: str, message: str) -> Decision:
    reply = OrderReply.model_validate({"order": order, "error": error, "message": message})
    return Decision(order, reply=reply)
