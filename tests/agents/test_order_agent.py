"""The order agent on RocksDB: REST commands and saga events, each order on its partition."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from apps.order.agents import manage_orders, open_orders
from apps.order.app import open_sagas, orders, watch
from apps.platform.replies import CORRELATION_ID, REPLY_TO
from models.base import utcnow
from models.events import OrderLine, PaymentStatusUpdated
from models.orders import CancelOrder, NewOrder, NudgeOrder, PlaceOrder
from tests.agents.conftest import Sent
from tests.saga import inventory_reserved, new_order_id, saga_event
from tests.unit.values import OPERATOR

#: The headers of a command from a REST view that waits for the answer.
ASKED = {REPLY_TO: b"replies", CORRELATION_ID: b"c1"}


@pytest.fixture
async def agent(sent: Sent) -> AsyncIterator[Any]:
    async with manage_orders.test_context() as agent:
        yield agent


async def put(agent: Any, message: Any, partition: int, *, asked: bool = False) -> Any:
    """Put `message` on `partition` (as a waiting REST view if `asked`); the decision."""
    headers = ASKED if asked else None
    await agent.put(message, key=message.order_id, partition=partition, headers=headers)
    return agent.results[max(agent.results)]


def place(order_id: str) -> PlaceOrder:
    body = NewOrder(customer_id="c1", items=(OrderLine(product_id="p", quantity=1),))
    return PlaceOrder(
        command_id=f"cmd-{order_id}",
        order_id=order_id,
        order=body,
        fingerprint=body.fingerprint(),
        issued_at=utcnow(),
        requested_by=OPERATOR,
    )


def cancel(order_id: str) -> CancelOrder:
    return CancelOrder(order_id=order_id, issued_at=utcnow(), requested_by=OPERATOR)


def paid(order_id: str) -> PaymentStatusUpdated:
    return saga_event(PaymentStatusUpdated, order_id, status="COMPLETED")


async def test_a_placed_order_is_stored_announced_and_answered(agent: Any, sent: Sent) -> None:
    order_id = new_order_id()

    decision = await put(agent, place(order_id), partition=1, asked=True)

    assert orders.get(order_id).status == "PENDING"
    assert [key for topic, key, _ in sent if topic == "ORDER.CREATED"] == [order_id]
    ((address, reply),) = decision.replies
    assert address.correlation_id == "c1" and reply.created
    # What the caller sees is what is stored (the stored order also keeps its timeline).
    assert reply.order.public() == orders.get(order_id).public()
    assert [(hop.record, hop.step) for hop in orders.get(order_id).timeline] == [
        ("PlaceOrder", "PENDING")
    ]


async def test_the_saga_events_of_an_order_on_its_partition_confirm_it(agent: Any) -> None:
    order_id = new_order_id()
    await put(agent, place(order_id), partition=2)

    await put(agent, inventory_reserved(order_id, "9.90"), partition=2)
    await put(agent, paid(order_id), partition=2)

    order = orders.get(order_id)
    assert order.status == "CONFIRMED" and str(order.amount) == "9.90"


async def test_an_event_on_another_partition_than_its_order_finds_no_order(agent: Any) -> None:
    # Why every saga event is keyed by order id: inside an event, RocksDB only shows
    # that event's partition, so a mis-keyed event meets no order and changes nothing.
    order_id = new_order_id()
    await put(agent, place(order_id), partition=3)

    decision = await put(agent, inventory_reserved(order_id), partition=4)

    assert decision.state is None and not decision.changed
    assert orders.get(order_id).status == "PENDING"  # read outside an event: any partition


async def test_a_cancel_that_is_refused_changes_nothing_and_says_why(agent: Any) -> None:
    order_id = new_order_id()

    decision = await put(agent, cancel(order_id), 5, asked=True)

    ((_, reply),) = decision.replies
    assert (reply.error, decision.changed) == ("NOT_FOUND", False)


async def test_a_change_wakes_the_requests_long_polling_the_order(agent: Any) -> None:
    order_id = new_order_id()
    await put(agent, place(order_id), partition=6)
    woken = watch.next_change(order_id)

    await put(agent, inventory_reserved(order_id), partition=6)

    await asyncio.wait_for(woken.wait(), timeout=5)


async def test_an_order_counts_as_an_open_saga_until_it_settles(agent: Any, sent: Sent) -> None:
    order_id = new_order_id()
    before = len(open_sagas)

    await put(agent, place(order_id), partition=5)
    await put(agent, inventory_reserved(order_id), partition=5)
    opened = len(open_sagas)
    await put(agent, paid(order_id), partition=5)

    assert opened == before + 1
    assert orders.get(order_id).status == "CONFIRMED" and len(open_sagas) == before


@pytest.mark.usefixtures("fail_once_after_write")
async def test_a_failure_after_the_write_is_tried_again_and_sends_what_the_write_owed(
    agent: Any, sent: Sent
) -> None:
    order_id = new_order_id()
    before = len(open_sagas)

    await put(agent, place(order_id), partition=4)

    assert orders.get(order_id).status == "PENDING"
    assert [key for topic, key, _ in sent if topic == "ORDER.CREATED"] == [order_id]
    assert len(open_sagas) == before + 1  # noted with the write, not lost with the send


async def test_only_the_outcome_of_an_order_is_logged_at_info(
    agent: Any, sent: Sent, caplog: pytest.LogCaptureFixture
) -> None:
    order_id = new_order_id()

    with caplog.at_level(logging.DEBUG, logger="apps.platform.shell"):
        await put(agent, place(order_id), partition=7)
        await put(agent, inventory_reserved(order_id), partition=7)
        await put(agent, paid(order_id), partition=7)

    logged = [
        (record.levelname, record.getMessage().rsplit(" ", 1)[-1])
        for record in caplog.records
        if order_id in record.getMessage()
    ]
    assert logged == [("DEBUG", "PENDING"), ("DEBUG", "RESERVED"), ("INFO", "CONFIRMED")]


async def test_the_agent_hands_open_orders_to_the_nudge_timer_and_a_nudge_announces_again(
    agent: Any, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The timer knows the open orders (as after its first tick), so the write's note shows.
    monkeypatch.setattr(open_orders, "keys", set())
    order_id = new_order_id()
    await put(agent, place(order_id), partition=6)
    order = orders.get(order_id)

    await put(agent, NudgeOrder(order_id=order_id, updated_at=order.updated_at), partition=6)

    assert order_id in (open_orders.keys or ())
    assert [key for topic, key, _ in sent if topic == "ORDER.CREATED"] == [order_id, order_id]
    assert orders.get(order_id) == order
