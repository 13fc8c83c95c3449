"""Every topic of the system, declared once: its name, key, value type, writer and readers.

A service binds the topics it consumes to its app, and sends every message to the
topic that carries its type (`route`), keyed by the field the topic names; nothing
else names a topic. Keys are JSON-serialized app-wide, so a key hashes to the same
partition in a topic and in the changelog of the table keyed the same way (BROKER.md,
"Keys"). Saga events are named by their topic: an event's `type` is the name of the
topic it travels on.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.base import members_of
from models.dead_letters import DeadLetter
from models.events import (
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
)
from models.inventory import AnyStockCommand
from models.orders import OrderCommand
from models.payments import GatewayRequest, PaymentCommand
from models.reservations import AnyLineResult, ReleaseReservation, ReserveStock
from models.versions import wire_type

if TYPE_CHECKING:
    import faust


@dataclass(frozen=True)
class TopicSpec:
    """A topic's contract: what travels on it, keyed by what, written by whom."""

    name: str
    #: The field of the value that is the record's key.
    key: str
    value: Any
    writer: str
    #: The services whose agents consume it (a test holds this to what they bind).
    readers: tuple[str, ...] = ()

    def bind(self, app: faust.App) -> faust.TopicT:
        return bind(app, self)

    def wire(self) -> type:
        """The Faust value type that validates what arrives on this topic."""
        return wire_type(self.value, f"Wire[{self.name}]")

    def key_of(self, value: Any) -> str:
        """The key `value` travels under on this topic."""
        return str(getattr(value, self.key))

    def carries(self) -> tuple[type, ...]:
        """The model classes this topic's value may be."""
        return members_of(self.value)


def bind(app: faust.App, *specs: TopicSpec) -> faust.TopicT:
    """One Faust topic over `specs` (an agent may consume several), created at start.

    `internal=True` is what makes Faust declare the topics with the app's partition
    count; otherwise the broker would create them on first use with its own.
    """
    together = TopicSpec(
        name="|".join(spec.name for spec in specs),
        key=specs[0].key,
        value=functools.reduce(operator.or_, (spec.value for spec in specs)),
        writer=", ".join(spec.writer for spec in specs),
    )
    return app.topic(
        *(spec.name for spec in specs),
        key_type=str,
        value_type=together.wire(),
        # One pass of pydantic from bytes to model and back (apps/platform/model_codec.py).
        value_serializer="model",
        internal=True,
    )


def event_spec(model: Any, writer: str, *readers: str) -> TopicSpec:
    """A saga topic: named after its event's type, keyed by order id."""
    return TopicSpec(model.model_fields["type"].default, "order_id", model, writer, readers)


# The saga's public contract (DESIGN.md, section 5).
ORDER_CREATED = event_spec(OrderCreated, "order", "inventory", "payment")
ORDER_CANCEL_REQUESTED = event_spec(OrderCancelRequested, "order", "payment")
ORDER_CANCELLED_CONFIRMED = event_spec(OrderCancelledConfirmed, "order")
INVENTORY_RESERVED = event_spec(InventoryReserved, "inventory", "order", "payment")
INVENTORY_STATUS_UPDATE = event_spec(InventoryStatusUpdated, "inventory", "order", "payment")
INVENTORY_STOCK_RELEASED = event_spec(StockReleased, "inventory", "order")
PAYMENT_STATUS_UPDATE = event_spec(PaymentStatusUpdated, "payment", "order", "inventory")
PAYMENT_FAIL = event_spec(PaymentFailed, "payment", "order", "inventory")
PAYMENT_FAIL_CANCEL = event_spec(PaymentCancelled, "payment", "order", "inventory")
PAYMENT_REFUNDED = event_spec(PaymentRefunded, "payment", "order", "inventory")

ORDER_EVENTS = (ORDER_CREATED, ORDER_CANCEL_REQUESTED, ORDER_CANCELLED_CONFIRMED)
INVENTORY_EVENTS = (INVENTORY_RESERVED, INVENTORY_STATUS_UPDATE, INVENTORY_STOCK_RELEASED)
PAYMENT_OUTCOMES = (PAYMENT_STATUS_UPDATE, PAYMENT_FAIL, PAYMENT_FAIL_CANCEL, PAYMENT_REFUNDED)

# The order service's internal topic.
ORDER_COMMANDS = TopicSpec(
    name="order.commands",
    key="order_id",
    value=OrderCommand,
    writer="order: REST views, stalled-saga timer",
    readers=("order",),
)

# The inventory's internal topics.
STOCK_COMMANDS = TopicSpec(
    name="inventory.stock-commands",
    key="product_id",
    value=AnyStockCommand,
    writer="inventory: REST views (catalog and stock levels), reservation agent (lines)",
    readers=("inventory",),
)
LINE_RESULTS = TopicSpec(
    name="inventory.line-results",
    key="order_id",
    value=AnyLineResult,
    writer="inventory: stock agent",
    readers=("inventory",),
)
RESERVATION_COMMANDS = TopicSpec(
    name="inventory.reservation-commands",
    key="order_id",
    value=ReserveStock | ReleaseReservation,
    writer="inventory: REST views",
    readers=("inventory",),
)


# The payment service's internal topics.
PAYMENT_COMMANDS = TopicSpec(
    name="payment.commands",
    key="order_id",
    value=PaymentCommand,
    writer="payment: REST views, gateway agent (answers), timeout timer",
    readers=("payment",),
)
GATEWAY_REQUESTS = TopicSpec(
    name="payment.gateway-requests",
    key="order_id",
    value=GatewayRequest,
    writer="payment: payment agent",
    readers=("payment",),
)


def dead_letters(service: str) -> TopicSpec:
    """Where a service puts what it could not decode or handle, with the error."""
    return TopicSpec(f"{service}.dead-letters", "topic", DeadLetter, service, (service,))


#: Every topic a message is routed to by its type (dead letters go by service).
ALL = (
    *ORDER_EVENTS,
    *INVENTORY_EVENTS,
    *PAYMENT_OUTCOMES,
    ORDER_COMMANDS,
    STOCK_COMMANDS,
    LINE_RESULTS,
    RESERVATION_COMMANDS,
    PAYMENT_COMMANDS,
    GATEWAY_REQUESTS,
)
#: The one topic each message type travels on.
ROUTES: dict[type, TopicSpec] = {member: spec for spec in ALL for member in spec.carries()}


def route(value: Any) -> TopicSpec:
    """The topic `value` is sent to: the one declared to carry its type."""
    return ROUTES[type(value)]
