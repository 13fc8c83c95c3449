"""A pure model of the inventory's two agents wired by queues, for tests of the rules.

Stock commands queue per product, and reservation inputs per order: that is Kafka's
order, within a partition. `step` delivers the head of any queue; a test chooses the
interleaving and may deliver a message again (a redelivery).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from apps.inventory.core import reservations, stock
from models.events import (
    Event,
    OrderCreated,
    OrderLine,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    event_id,
)
from models.inventory import CreateProduct, Product
from models.reservations import Reservation
from tests.unit.values import OPERATOR

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class World:
    products: dict[str, Product] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    #: Pending messages: ("stock", product id) or ("order", order id) -> FIFO.
    queues: dict[tuple[str, str], deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    #: Saga events emitted by the reservation agent, in order.
    events: list[Event] = field(default_factory=list)
    position: int = 0

    # -- the outside world ------------------------------------------------------------

    def create_product(self, product_id: str, stock_level: int, *, active: bool = True) -> None:
        self.send_stock(
            CreateProduct(
                command_id=f"create-{product_id}",
                product_id=product_id,
                issued_at=NOW,
                name=product_id,
                description="",
                price=Decimal("2.50"),
                stock=stock_level,
                active=active,
                requested_by=OPERATOR,
            )
        )
        self.settle()

    def order(self, order_id: str, **lines: int) -> OrderCreated:
        created = OrderCreated(
            event_id=event_id(order_id, "ORDER.CREATED"),
            order_id=order_id,
            occurred_at=NOW,
            customer_id="c1",
            items=tuple(OrderLine(product_id=p, quantity=q) for p, q in lines.items()),
        )
        self.send_order(created)
        return created

    def send_order(self, message: Any) -> None:
        self.queues["order", message.order_id].append(message)

    def send_stock(self, command: Any) -> None:
        self.queues["stock", command.product_id].append(command)

    # -- delivery -----------------------------------------------------------------------

    def busy(self) -> list[tuple[str, str]]:
        return [name for name, queue in self.queues.items() if queue]

    def step(self, queue: tuple[str, str], *, again: bool = False, fails: bool = False) -> None:
        """Deliver the head of `queue`; with `again`, it stays queued to come once more.

        With `fails`, the handler fails after its write, so what it sent is lost, and the
        message is handled again at once, at the same offset (the retry of a transient
        error): only what the second try sends goes out.
        """
        message = self.queues[queue][0] if again else self.queues[queue].popleft()
        if again:
            self.queues[queue].rotate(-1)  # the copy comes back after what is queued now
        kind, key = queue
        apply = self._apply_stock if kind == "stock" else self._apply_reservation
        self.position += 1
        if fails:
            apply(key, message, lost=True)
        apply(key, message)

    def settle(self) -> None:
        """Deliver everything, in queue order, until nothing is left."""
        while busy := self.busy():
            self.step(busy[0])

    def _apply_stock(self, product_id: str, command: Any, *, lost: bool = False) -> None:
        outcome = stock.decide(self.products.get(product_id), command, self.position)
        if outcome.changed:
            assert outcome.state is not None
            self.products[product_id] = outcome.state
        for result in () if lost else outcome.events:
            self.send_order(result)

    def _apply_reservation(self, order_id: str, message: Any, *, lost: bool = False) -> None:
        decision = reservations.decide(self.reservations.get(order_id), message, NOW)
        if decision.changed:
            assert decision.state is not None
            self.reservations[order_id] = decision.state
        if lost:
            return
        for command in decision.commands:
            self.send_stock(command)
        self.events.extend(decision.events)

    # -- what tests look at -------------------------------------------------------------

    def product(self, product_id: str) -> Product:
        return self.products[product_id]

    def status(self, order_id: str) -> str:
        return self.reservations[order_id].status

    def emitted(self, order_id: str) -> list[str]:
        return [
            event.type + (f" {event.status}" if hasattr(event, "status") else "")
            for event in self.events
            if event.order_id == order_id
        ]

    def check_stock_is_balanced(self) -> None:
        """The invariants that hold at every moment, whatever is in flight."""
        for product in self.products.values():
            assert product.available >= 0, product
            assert product.reserved == sum(product.holds.values()), product
            on_shelf = product.available + product.reserved + product.sold
            assert on_shelf == product.initial + product.added - product.removed, product


# -- the payment's outcomes, as the reservation agent hears them ------------------------


def paid(order_id: str) -> PaymentStatusUpdated:
    return PaymentStatusUpdated(
        event_id=event_id(order_id, "PAYMENT.STATUS_UPDATE", "COMPLETED"),
        order_id=order_id,
        occurred_at=NOW,
        status="COMPLETED",
    )


def failed(order_id: str, reason: str = "CARD_DECLINED") -> PaymentFailed:
    return PaymentFailed(
        event_id=event_id(order_id, "PAYMENT.FAIL"),
        order_id=order_id,
        occurred_at=NOW,
        reason=reason,
    )


def cancelled(order_id: str) -> PaymentCancelled:
    return PaymentCancelled(
        event_id=event_id(order_id, "PAYMENT.FAIL_CANCEL"), order_id=order_id, occurred_at=NOW
    )


def refunded(order_id: str) -> PaymentRefunded:
    return PaymentRefunded(
        event_id=event_id(order_id, "PAYMENT.REFUNDED"), order_id=order_id, occurred_at=NOW
    )
