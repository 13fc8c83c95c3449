"""The whole saga, pure: the three services' cores wired by queues, as Kafka wires the agents."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import topics
from apps.inventory.core import reservations as reservation_rules
from apps.inventory.core import stock as stock_rules
from apps.order import core as order_rules
from apps.payment.core import payments as payment_rules
from apps.platform.decision import Decision
from models.actors import Actor
from models.events import OrderLine
from models.inventory import AddStock, CreateProduct, Product, RemoveStock
from models.orders import CancelOrder, NewOrder, Order, PlaceOrder
from models.payments import (
    ChangePaymentStatus,
    Charge,
    GatewayAnswered,
    GatewayRequest,
    Payment,
    Prepay,
    TimeOutPayment,
)
from models.reservations import Reservation
from tests.unit.values import OPERATOR, PROCESSOR

START = datetime(2026, 1, 1, tzinfo=UTC)
PRICE = Decimal("2.50")
#: The customer who places and cancels every order (as its own token's `sub`).
CUSTOMER = Actor(sub="c1", role="customer")

#: What the simulated gateway answers a charge, by token (apps/payment/gateway.py); the
#: gateway agent retries a flaky token's transient errors until it is captured.
CHARGE_ANSWERS: dict[str, tuple[str, str | None]] = {
    "tok_ok": ("CAPTURED", None),
    "tok_declined": ("DECLINED", "CARD_DECLINED"),
    "tok_pending": ("PENDING", None),
    "tok_flaky": ("CAPTURED", None),
}
TOKENS = tuple(CHARGE_ANSWERS)

#: Where an order's saga ends.
TERMINAL = frozenset({"CONFIRMED", "FAILED", "CANCELLED"})
CANCELLABLE = frozenset({"PENDING", "RESERVED", "CONFIRMED"})
#: The saga's arrows (apps/order/core.py); a cancellation may finish in the step that starts it.
ARROWS = frozenset(
    {("PENDING", "RESERVED"), ("PENDING", "CONFIRMED"), ("RESERVED", "CONFIRMED")}
    | {(status, "FAILED") for status in ("PENDING", "RESERVED")}
    | {(status, "CANCELLING") for status in CANCELLABLE}
    | {(status, "CANCELLED") for status in CANCELLABLE | {"CANCELLING"}}
)

#: A queue: the agent reading it, the topic and the key. Kafka keeps the order of one
#: key's records on one topic, and of nothing wider: an agent reading several topics may
#: see them interleaved any way.
Queue = tuple[str, str, str]

#: A service's agents other than its owning one, by the topic only they read.
DEDICATED_READERS = {topics.STOCK_COMMANDS.name: "stock", topics.GATEWAY_REQUESTS.name: "gateway"}
OWNING_AGENTS = {"order": "order", "inventory": "reservations", "payment": "payment"}
RULES: dict[str, Callable[..., Decision[Any]]] = {
    "order": order_rules.decide,
    "reservations": reservation_rules.decide,
    "stock": stock_rules.decide,
    "payment": payment_rules.decide,
}


#: Delivers one message of the queues `busy`, in some way (see `Saga.deliver`).
Schedule = Callable[[list[Queue]], None]


@dataclass(frozen=True)
class Record:
    """A message at its offset; a redelivery is the same record, at the same offset."""

    value: Any
    offset: int


def agents_reading(spec: topics.TopicSpec) -> tuple[str, ...]:
    """The agents that consume `spec`, each in its own consumer group."""
    if spec.name in DEDICATED_READERS:
        return (DEDICATED_READERS[spec.name],)
    return tuple(OWNING_AGENTS[service] for service in spec.readers)


def gateway_answer(request: GatewayRequest) -> GatewayAnswered:
    """What the gateway agent sends back for `request` (`make_gateway_request`)."""
    outcome, reason = (
        CHARGE_ANSWERS[request.payment_token or "tok_ok"]
        if isinstance(request, Charge)
        else ("REFUNDED", None)
    )
    return GatewayAnswered.model_validate(
        {
            "order_id": request.order_id,
            "payment_id": request.payment_id,
            "request": request.type,
            "outcome": outcome,
            "reason": reason,
        }
    )


@dataclass
class Saga:
    """The four owning agents' tables, the queues between the agents, the gateway's money."""

    orders: dict[str, Order] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    queues: dict[Queue, deque[Record]] = field(default_factory=lambda: defaultdict(deque))
    #: Each order's statuses, in the order the order agent wrote them.
    statuses: dict[str, list[str]] = field(default_factory=dict)
    #: The orders whose payment was PENDING once: a processor may call back, late.
    once_pending: set[str] = field(default_factory=set)
    bodies: dict[str, NewOrder] = field(default_factory=dict)
    #: The money the gateway took and gave back, by order id: the truth the tables must tell.
    captured: set[str] = field(default_factory=set)
    refunded: set[str] = field(default_factory=set)
    last_offset: int = 0
    clock: int = 0

    def now(self) -> datetime:
        return START + timedelta(seconds=self.clock)

    # -- what the REST views, the timer and the processor send --------------------------

    def create_product(self, product_id: str, stock: int) -> None:
        self.send(
            CreateProduct(
                command_id=f"create-{self.last_offset}",
                product_id=product_id,
                issued_at=self.now(),
                name=product_id,
                description="",
                price=PRICE,
                stock=stock,
                active=True,
                requested_by=OPERATOR,
            )
        )

    def change_stock(self, product_id: str, change: int) -> None:
        change_type = AddStock if change > 0 else RemoveStock
        self.send(
            change_type(
                command_id=f"stock-{self.last_offset}",
                product_id=product_id,
                issued_at=self.now(),
                quantity=abs(change),
                requested_by=OPERATOR,
            )
        )

    def place_order(self, order_id: str, lines: dict[str, int], token: str) -> None:
        items = tuple(OrderLine(product_id=p, quantity=q) for p, q in lines.items())
        self.bodies[order_id] = NewOrder(customer_id=CUSTOMER.sub, items=items, payment_token=token)
        self.place_again(order_id)

    def place_again(self, order_id: str) -> None:
        """The POST again, under the same idempotency key (a new command, the same body)."""
        body = self.bodies[order_id]
        self.send(
            PlaceOrder(
                command_id=f"post-{order_id}-{self.last_offset}",
                order_id=order_id,
                order=body,
                fingerprint=body.fingerprint(),
                issued_at=self.now(),
                requested_by=CUSTOMER,
            )
        )

    def prepay(self, order_id: str, amount: Decimal, token: str) -> None:
        """`POST /payments` by an operator (a customer's would wait for the order to be
        known): the order's payment, charged before its reservation."""
        self.send(
            Prepay(order_id=order_id, amount=amount, payment_token=token, requested_by=OPERATOR)
        )

    def cancel(self, order_id: str) -> None:
        """`DELETE /orders/{order_id}` by the order's customer, confined to its own."""
        cancel = CancelOrder(
            order_id=order_id, issued_at=self.now(), requested_by=CUSTOMER, customer_id=CUSTOMER.sub
        )
        self.send(cancel)

    def time_out(self, order_id: str) -> None:
        """What the timer sends for a payment pending too long: its charge's time."""
        charged_at = self.payments[order_id].charged_at
        assert charged_at is not None
        self.send(TimeOutPayment(order_id=order_id, charged_at=charged_at))

    def call_back(self, order_id: str, status: str) -> None:
        """`PUT /payments/status`: the processor settles, an operator refunds."""
        by = OPERATOR if status == "REFUNDED" else PROCESSOR
        change = {"order_id": order_id, "status": status, "requested_by": by}
        self.send(ChangePaymentStatus.model_validate(change))

    def send(self, value: Any) -> None:
        """One record on the topic of `value`'s type, under its key (`app.publish`)."""
        spec = topics.route(value)
        self.last_offset += 1
        record = Record(value, self.last_offset)
        for agent in agents_reading(spec):
            self.queues[agent, spec.name, spec.key_of(value)].append(record)

    # -- delivery ---------------------------------------------------------------------------

    def busy(self, *, but: str | None = None) -> list[Queue]:
        """The queues with a message waiting, but those the agent `but` reads."""
        return sorted(name for name, queue in self.queues.items() if queue and name[0] != but)

    def deliver(self, queue: Queue, *, again_at: int | None = None, fails: bool = False) -> None:
        """Hand the head of `queue` to its agent.

        With `again_at`, the record comes again behind that many of those queued behind it
        (a consumer that handled them too, then died before its commit). With `fails`, the
        handler fails after its write: the sends are lost, and the record is handled again at
        once, on the state written (a transient error retried), and only that try sends.
        """
        record = self.queues[queue].popleft()
        if again_at is not None:
            self.queues[queue].insert(again_at, record)
        self.clock += 1
        agent = queue[0]
        if fails:
            self.handle(agent, record, sends=False)
        self.handle(agent, record)

    def die_after_write(self, queue: Queue) -> None:
        """The head of `queue` is written, then its worker dies before sending: the record
        comes again first on its queue once the worker is back, other queues going on meanwhile.
        """
        self.clock += 1
        self.handle(queue[0], self.queues[queue][0], sends=False)

    def drain(self, schedule: Schedule, *, time_out: bool = True, but: str | None = None) -> None:
        """Deliver everything as `schedule` says, but what the agent `but` reads; with
        `time_out`, then time out every payment still pending (nobody answers it), and deliver
        what that sends, until none is.
        """
        for _ in range(10_000):
            if busy := self.busy(but=but):
                schedule(busy)
                continue
            if not time_out or not (pending := self.pending_payments()):
                return
            for order_id in pending:  # what the timer sends once the timeout has passed
                self.time_out(order_id)
        raise AssertionError("the saga never settles: its messages keep coming")

    def handle(self, agent: str, record: Record, *, sends: bool = True) -> None:
        if agent == "gateway":  # the call is made, even if its answer is then lost
            answer = gateway_answer(record.value)
            if answer.outcome == "CAPTURED":
                self.captured.add(answer.order_id)
            elif answer.outcome == "REFUNDED":
                self.refunded.add(answer.order_id)
            messages: tuple[Any, ...] = (answer,)
        else:
            decision = self.decide(agent, record)
            messages = (*decision.commands, *decision.events)
        for message in messages if sends else ():
            self.send(message)

    def decide(self, agent: str, record: Record) -> Decision[Any]:
        """What an owning agent does (`apply`): read its table, decide, write if changed."""
        value = record.value
        table: dict[str, Any] = self.tables()[agent]
        key = value.product_id if agent == "stock" else value.order_id
        # The stock rules keep the offset of what they applied, to know a replay.
        moment = record.offset if agent == "stock" else self.now()
        decision = RULES[agent](table.get(key), value, moment)
        if decision.changed and decision.state is not None:
            table[key] = decision.state
            self.note(decision.state)
        return decision

    def tables(self) -> dict[str, dict[str, Any]]:
        tables = (self.orders, self.reservations, self.products, self.payments)
        return dict(zip(("order", "reservations", "stock", "payment"), tables, strict=True))

    def note(self, written: Any) -> None:
        if isinstance(written, Order):
            seen = self.statuses.setdefault(written.id, [])
            if not seen or seen[-1] != written.status:
                seen.append(written.status)
        if isinstance(written, Payment) and written.status == "PENDING":
            self.once_pending.add(written.order_id)

    # -- what the tests look at -----------------------------------------------------------

    def pending_payments(self) -> list[str]:
        return sorted(order_id for order_id, p in self.payments.items() if p.status == "PENDING")

    def completed_payments(self) -> list[str]:
        return sorted(order_id for order_id, p in self.payments.items() if p.status == "COMPLETED")

    def units_confirmed(self, product_id: str) -> int:
        return sum(
            item.quantity
            for order in self.orders.values()
            if order.status == "CONFIRMED"
            for item in order.items
            if item.product_id == product_id
        )
