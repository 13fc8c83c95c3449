"""Table values as tests build them: valid, with fields a test may override."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from models.actors import Actor
from models.inventory import Product
from models.orders import Order, OrderItem
from models.payments import Payment
from models.reservations import Reservation, ReservationLine

NOW = datetime(2026, 1, 1, tzinfo=UTC)

#: Who sends the REST commands of the tests: an operator, unless a test is about the caller.
OPERATOR = Actor(sub="test-operator", role="operator")
#: A customer: its `sub` is its customer id (that of `an_order`).
CUSTOMER = Actor(sub="c-1", role="customer")
#: The payment provider calling back.
PROCESSOR = Actor(sub="test-processor", role="processor")


def a_product(**fields: object) -> Product:
    defaults = {"id": "p1", "name": "Widget", "description": "", "price": Decimal("19.90")}
    return Product(active=True, created_at=NOW, updated_at=NOW, **{**defaults, **fields})


def an_order(**fields: Any) -> Order:
    line = OrderItem(product_id="p1", quantity=2, unit_price=Decimal("9.95"))
    made = {"id": "o-1", "created_at": NOW, "updated_at": NOW, "fingerprint": "f", "placed_by": "w"}
    return Order(**{"customer_id": "c-1", "items": (line,), **made, **fields})


def a_reservation(**fields: Any) -> Reservation:
    line = ReservationLine(product_id="p1", quantity=2, status="GRANTED", unit_price=Decimal(1))
    made = {"source": "manual", "status": "RESERVED", "lines": (line,)}
    return Reservation(order_id="o-1", created_at=NOW, updated_at=NOW, **{**made, **fields})


def a_payment(**fields: Any) -> Payment:
    made = {"order_id": "o-1", "payment_id": "pay-o-1", "status": "COMPLETED"}
    return Payment(**{"created_at": NOW, "updated_at": NOW, **made, **fields})
