"""The saga's public events: JSON keyed by order id, one topic each, named as in DESIGN.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import Field

from models.actors import Actor
from models.base import NOT_CONVERTED, Identifier, Model, Money

#: How many units of one product a line may ask for.
#: How many of a product a line asks for.
LineQuantity = Annotated[int, Field(ge=1, le=10_000), NOT_CONVERTED]


class OrderLine(Model):
    product_id: Identifier
    quantity: LineQuantity


class Lines(Protocol):
    @property
    def items(self) -> tuple[OrderLine, ...]: ...


Body = TypeVar("Body", bound=Lines)


def one_line_per_product(body: Body) -> Body:
    """Refuse a body whose `items` name a product twice (a model's `after` validator)."""
    products = [line.product_id for line in body.items]
    if len(set(products)) != len(products):
        raise ValueError("each product may appear in one line only")
    return body


class PricedLine(OrderLine):
    """A line with the catalog price it was reserved at."""

    unit_price: Money


class Event(Model):
    """What every saga event carries besides its payload."""

    event_id: str
    order_id: Identifier
    occurred_at: datetime


#: Who asked for what an event tells, when a REST request caused it (None: the saga did).
RequestedBy = Annotated[Actor | None, Field(description="who asked, when a request caused it")]


class OrderCreated(Event):
    type: Literal["ORDER.CREATED"] = "ORDER.CREATED"
    customer_id: Identifier
    items: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=100)]
    payment_token: str | None = None
    requested_by: RequestedBy = None


class InventoryReserved(Event):
    """Every line is held; carries the catalog prices and the amount to charge."""

    type: Literal["INVENTORY.RESERVED"] = "INVENTORY.RESERVED"
    items: tuple[PricedLine, ...]
    amount: Money


class InventoryStatusUpdated(Event):
    type: Literal["INVENTORY.STATUS_UPDATE"] = "INVENTORY.STATUS_UPDATE"
    status: Literal["REJECTED", "COMMITTED"]
    reason: str | None = None


class StockReleased(Event):
    """The order's held or sold stock is back on the shelf (or nothing was held)."""

    type: Literal["INVENTORY.STOCK_RELEASED"] = "INVENTORY.STOCK_RELEASED"
    reason: str


class PaymentStatusUpdated(Event):
    """The payment COMPLETED, or PENDING: its provider holds the charge for a callback."""

    type: Literal["PAYMENT.STATUS_UPDATE"] = "PAYMENT.STATUS_UPDATE"
    status: Literal["PENDING", "COMPLETED"]
    payment_id: str | None = None
    amount: Money | None = None
    requested_by: RequestedBy = None


class PaymentFailed(Event):
    type: Literal["PAYMENT.FAIL"] = "PAYMENT.FAIL"
    reason: str
    requested_by: RequestedBy = None


class PaymentCancelled(Event):
    """A payment not yet captured was cancelled because the order was cancelled."""

    type: Literal["PAYMENT.FAIL_CANCEL"] = "PAYMENT.FAIL_CANCEL"
    reason: str = "CANCELLED"


class PaymentRefunded(Event):
    type: Literal["PAYMENT.REFUNDED"] = "PAYMENT.REFUNDED"
    reason: str = "REFUNDED"
    requested_by: RequestedBy = None


def event_id(order_id: str, event_type: str, variant: str = "") -> str:
    """A deterministic id: the same fact about the same order always has the same id."""
    return "/".join(part for part in (order_id, event_type, variant) if part)


class OrderCancelRequested(Event):
    """The customer asked to cancel; compensation starts."""

    type: Literal["ORDER.CANCEL_REQUESTED"] = "ORDER.CANCEL_REQUESTED"
    reason: str = "CANCELLED_BY_CUSTOMER"
    requested_by: RequestedBy = None


class OrderCancelledConfirmed(Event):
    """Cancellation finished: stock released, payment cancelled or refunded."""

    type: Literal["ORDER.CANCELLED_CONFIRMED"] = "ORDER.CANCELLED_CONFIRMED"
