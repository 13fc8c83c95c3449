"""What a log line tells of the event being handled: its order, its type, where it was read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from apps.platform.event_context import current, event_type_of, handling, order_id_in
from models.events import OrderCreated, OrderLine
from models.inventory import AddStock
from models.orders import CancelOrder
from tests.unit.values import NOW, OPERATOR


@dataclass
class Message:
    topic: str = "order.commands"
    partition: int = 3
    offset: int = 41


@dataclass
class Event:
    value: Any
    message: Message


def an_event(value: Any) -> Event:
    return Event(value, Message())


CREATED = OrderCreated(
    event_id="e-1",
    order_id="o-7",
    occurred_at=NOW,
    customer_id="c-1",
    items=(OrderLine(product_id="p1", quantity=1),),
)
ADD_STOCK = AddStock(
    command_id="k-1", product_id="p1", issued_at=NOW, quantity=2, requested_by=OPERATOR
)


def test_the_order_id_of_a_saga_event_and_of_a_command_is_found() -> None:
    cancel = CancelOrder(order_id="o-8", issued_at=NOW, requested_by=OPERATOR)

    assert (order_id_in(CREATED), order_id_in(cancel)) == ("o-7", "o-8")


def test_a_message_about_no_order_has_no_order_id() -> None:
    assert [order_id_in(ADD_STOCK), order_id_in(None), order_id_in(b"raw")] == [None] * 3


def test_the_order_id_and_type_are_read_from_a_mapping_as_it_came_off_the_wire() -> None:
    value = {"type": "ORDER.CREATED", "order_id": "o-9"}

    assert (order_id_in(value), event_type_of(value)) == ("o-9", "ORDER.CREATED")


def test_the_event_type_is_the_messages_type_field__else_its_class_name() -> None:
    assert [event_type_of(CREATED), event_type_of(ADD_STOCK), event_type_of(b"raw")] == [
        "ORDER.CREATED",
        "AddStock",
        "bytes",
    ]


def test_outside_a_handler_no_event_is_current() -> None:
    assert current() is None


def test_while_an_event_is_handled_its_fields_are_current__and_after_none() -> None:
    with handling(an_event(CREATED)):
        during = current()

    assert during == {
        "order_id": "o-7",
        "event": "ORDER.CREATED",
        "topic": "order.commands",
        "partition": 3,
        "offset": 41,
    }
    assert current() is None


async def test_each_task_sees_only_the_event_it_handles_itself() -> None:
    seen: dict[str, str | None] = {}
    both_handling = asyncio.Barrier(2)

    async def handle(value: Any, name: str) -> None:
        with handling(an_event(value)):
            await both_handling.wait()
            fields = current()
            seen[name] = None if fields is None else fields["order_id"]

    await asyncio.gather(handle(CREATED, "first"), handle(ADD_STOCK, "second"))

    assert seen == {"first": "o-7", "second": None}
