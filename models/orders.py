"""Orders: REST bodies, the order commands and reply, and the orders table value."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import uuid4

from pydantic import Field, model_validator

from models.actors import Actor, caller_unknown
from models.base import Identifier, Listing, Model, Money, Page, Upcaster
from models.events import OrderLine, one_line_per_product
from models.hops import Hop

OrderStatus = Literal["PENDING", "RESERVED", "CONFIRMED", "FAILED", "CANCELLING", "CANCELLED"]
#: Where an order's saga ends (a confirmed order may still be cancelled or refunded).
SETTLED: frozenset[str] = frozenset({"CONFIRMED", "FAILED", "CANCELLED"})


class NewOrder(Model):
    """Body of `POST /orders`: one line per product.

    A body that names a product in two lines is refused (400): give its whole quantity
    in one line.
    """

    customer_id: Identifier
    items: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=100)]
    payment_token: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    _one_line_per_product = model_validator(mode="after")(one_line_per_product)

    def fingerprint(self) -> str:
        """Identifies the body, to tell a repeated request from another one under one key."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def order_id_for_key(customer_id: str, idempotency_key: str) -> str:
    """One order per customer and idempotency key: its id follows from both, so one
    customer's key never names another customer's order."""
    scoped = f"{customer_id}\n{idempotency_key}"
    return _order_id(hashlib.sha256(scoped.encode()).hexdigest())


def new_order_id() -> str:
    """The id of an order placed without an idempotency key: a random one."""
    return _order_id(uuid4().hex)


def _order_id(hex_digits: str) -> str:
    """Every order id has one shape: `o-` and 24 hex digits."""
    return "o-" + hex_digits[:24]


class OrderFilter(Page):
    """Query of `GET /orders`."""

    status: OrderStatus | None = None
    customer_id: Identifier | None = None

    selective: ClassVar[tuple[str, ...]] = ("customer_id",)

    @staticmethod
    def facet_of(order: Order) -> OrderStatus:
        return order.status

    def wants(self, status: OrderStatus) -> bool:
        return self.status in (None, status)


class OpenOrders(OrderFilter):
    """The orders whose saga is under way, whatever their status (the nudge timer's)."""

    def wants(self, status: OrderStatus) -> bool:
        return status not in SETTLED


class StatusCount(Model):
    """How many orders are in one status, over all workers (the saga page's counts)."""

    status: OrderStatus
    count: int


class StatusCounts(Listing[StatusCount]):
    """The saga page's counts, and what it says of the broker when it holds too much."""

    #: Set when `oms up`'s own broker holds more orders than it serves well.
    broker_note: str | None = None


class WaitQuery(Model):
    """Query of `GET /orders/{id}`: long-poll up to `wait` seconds until settled."""

    wait: Annotated[float, Field(ge=0, le=30)] = 0


# Commands, from the REST views to the order agent.


class PlaceOrder(Model):
    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown("customer")}

    type: Literal["PlaceOrder"] = "PlaceOrder"
    command_id: str
    order_id: Identifier
    order: NewOrder
    fingerprint: str
    issued_at: datetime
    requested_by: Actor


class CancelOrder(Model):
    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown("customer")}

    type: Literal["CancelOrder"] = "CancelOrder"
    order_id: Identifier
    issued_at: datetime
    requested_by: Actor
    #: The customer the caller is confined to: another customer's order is not found.
    customer_id: Identifier | None = None


class NudgeOrder(Model):
    """A timer saw the order unsettled and unchanged since `updated_at` for too long."""

    type: Literal["NudgeOrder"] = "NudgeOrder"
    order_id: Identifier
    updated_at: datetime


OrderCommand = PlaceOrder | CancelOrder | NudgeOrder


# The table value.


class OrderItem(Model):
    product_id: Identifier
    quantity: int
    unit_price: Money | None = None


class Change(Model):
    """One status change, what caused it, and who asked for it (None: the saga moved it)."""

    status: OrderStatus
    at: datetime
    cause: str
    by: Actor | None = None


class Order(Model):
    """An order and what the saga has told about it, keyed by order id.

    The flags record facts as they arrive, in whatever order: the status follows
    from them and only moves forward.
    """

    outcome_statuses: ClassVar[frozenset[str]] = SETTLED
    #: Version 2 keeps the trace the order was placed in and its timeline (fields added:
    #: read both ways).
    schema_version: ClassVar[int] = 2

    id: Identifier
    customer_id: Identifier
    items: tuple[OrderItem, ...]
    payment_token: str | None = None
    amount: Money | None = None
    status: OrderStatus = "PENDING"
    reason: str | None = None
    payment_status: str | None = None
    created_at: datetime
    updated_at: datetime
    history: tuple[Change, ...] = ()
    fingerprint: str
    placed_by: str
    #: The facts that finish a cancellation: stock back, payment cancelled or refunded.
    stock_released: bool = False
    payment_settled: bool = False
    #: The W3C `traceparent` the order was placed in, when traced: what comes later (a
    #: cancellation, a nudge) goes on in that trace (apps/platform/tracing.py).
    traceparent: str | None = None
    #: The hops of the records that led to each step, in the order they were handled
    #: (apps/platform/hops.py): GET /orders/{id}/timeline.
    timeline: tuple[Hop, ...] = ()

    def public(self) -> dict[str, object]:
        """What a client sees of the order: the fields of `PublicOrder`."""
        return self.model_dump(mode="json", include=set(PublicOrder.model_fields))


class PublicOrder(Model):
    """What a client sees of an order (`Order.public()`); every field is always present."""

    id: Identifier
    customer_id: Identifier
    items: tuple[OrderItem, ...]
    amount: Money | None
    status: OrderStatus
    reason: str | None
    payment_status: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[Change, ...]


class OrderReply(Model):
    #: Version 2: its order keeps the trace (a field added: read both ways).
    schema_version: ClassVar[int] = 2

    order: Order | None = None
    error: Literal["NOT_FOUND", "IDEMPOTENCY_CONFLICT", "NOT_CANCELLABLE"] | None = None
    message: str | None = None
    #: Whether this request created the order (201) rather than found it (idempotent).
    created: bool = False
