"""Playing the other services of the saga in tests: publish their events, read ours."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import topics
from models.base import utcnow
from models.events import InventoryReserved, OrderCreated, OrderLine, PricedLine, event_id
from tests.processes import Broker, publish, read_events

PAYMENT_TOPICS = [spec.name for spec in topics.PAYMENT_OUTCOMES]


def new_order_id() -> str:
    return f"o-{uuid4().hex[:10]}"


def order_created(
    order_id: str | None = None, token: str | None = None, **lines: int
) -> OrderCreated:
    order_id = order_id or new_order_id()
    return OrderCreated(
        event_id=event_id(order_id, "ORDER.CREATED"),
        order_id=order_id,
        occurred_at=utcnow(),
        customer_id="c1",
        items=tuple(OrderLine(product_id=p, quantity=q) for p, q in (lines or {"p": 1}).items()),
        payment_token=token,
    )


def inventory_reserved(order_id: str, amount: str = "12.50") -> InventoryReserved:
    return InventoryReserved(
        event_id=event_id(order_id, "INVENTORY.RESERVED"),
        order_id=order_id,
        occurred_at=utcnow(),
        items=(PricedLine(product_id="p", quantity=1, unit_price=Decimal(amount)),),
        amount=Decimal(amount),
    )


def saga_event(event_type: type, order_id: str, **fields: Any) -> Any:
    """An event of `event_type` (named by its topic) for `order_id`."""
    return event_type(
        event_id=event_id(order_id, event_type.model_fields["type"].default),
        order_id=order_id,
        occurred_at=utcnow(),
        **fields,
    )


def publish_events(broker: Broker, *events: Any) -> None:
    """Publish saga events, each on the topic its type names, keyed by order id."""
    by_topic: dict[str, list[tuple[str, Any]]] = {}
    for event in events:
        by_topic.setdefault(event.type, []).append((event.order_id, event))
    for topic, records in by_topic.items():
        publish(broker, topic, records)


def label(value: dict[str, Any]) -> str:
    """`TYPE` or `TYPE STATUS`: how tests name an event."""
    return value["type"] + (f" {value['status']}" if "status" in value else "")


def events_by_order(
    broker: Broker, topics: list[str], *order_ids: str, count: int = 1
) -> dict[str, list[dict[str, Any]]]:
    """The events on `topics` of each order, once each order has at least `count`."""

    def per_order(values: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        seen: dict[str, list[dict[str, Any]]] = {order_id: [] for order_id in order_ids}
        for value in values:
            if value.get("order_id") in seen:
                seen[value["order_id"]].append(value)
        return seen

    values = read_events(
        broker,
        topics,
        until=lambda values: all(len(v) >= count for v in per_order(values).values()),
    )
    return per_order(values)


def reserved_order(broker: Broker, token: str | None, amount: str = "12.50") -> str:
    """An order created and reserved, as the order and inventory services would say."""
    order_id = new_order_id()
    publish_events(broker, order_created(order_id, token))
    publish_events(broker, inventory_reserved(order_id, amount))
    return order_id


def payment_events(broker: Broker, order_id: str, count: int) -> list[str]:
    """The payment events of an order, once it has `count` of them."""
    return [
        label(v) for v in events_by_order(broker, PAYMENT_TOPICS, order_id, count=count)[order_id]
    ]


def failure_reason(broker: Broker, order_id: str) -> str:
    failures = events_by_order(broker, ["PAYMENT.FAIL"], order_id)[order_id]
    return str(failures[-1]["reason"])
