"""The reservation agent on RocksDB: each order's events on its own partition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from apps.inventory.agents import reserve_stock
from apps.inventory.app import reservations
from models.events import PaymentFailed
from models.reservations import LineGranted, LineRefused
from tests.agents.conftest import Sent
from tests.saga import order_created, saga_event


@pytest.fixture
async def agent(sent: Sent) -> AsyncIterator[Any]:
    async with reserve_stock.test_context() as agent:
        yield agent


def granted(order_id: str, product_id: str, quantity: int) -> LineGranted:
    return LineGranted(
        order_id=order_id, product_id=product_id, quantity=quantity, unit_price=Decimal("3.00")
    )


async def put(agent: Any, message: Any, partition: int) -> None:
    await agent.put(message, key=message.order_id, partition=partition)


def types_sent(sent: Sent, topic: str) -> list[str]:
    return [value.type for name, _, value in sent if name == topic]


async def test_an_order_asks_the_stock_agent_to_hold_each_line(agent: Any, sent: Sent) -> None:
    created = order_created(a=2, b=1)

    await put(agent, created, partition=1)

    holds = [(key, value.quantity) for name, key, value in sent if value.type == "HoldStock"]
    assert holds == [("a", 2), ("b", 1)]
    assert reservations.get(created.order_id).status == "PENDING"


async def test_once_every_line_is_granted_the_order_is_reserved(agent: Any, sent: Sent) -> None:
    created = order_created(a=2, b=1)
    await put(agent, created, partition=2)

    await put(agent, granted(created.order_id, "a", 2), partition=2)
    await put(agent, granted(created.order_id, "b", 1), partition=2)

    assert reservations.get(created.order_id).status == "RESERVED"
    ((_, key, event),) = [s for s in sent if s[0] == "INVENTORY.RESERVED"]
    assert key == created.order_id and event.amount == Decimal("9.00")


async def test_a_refused_line_releases_the_granted_one(agent: Any, sent: Sent) -> None:
    created = order_created(a=2, b=1)
    await put(agent, created, partition=3)
    await put(agent, granted(created.order_id, "a", 2), partition=3)

    refusal = LineRefused(
        order_id=created.order_id, product_id="b", reason="OUT_OF_STOCK", message="none left"
    )
    await put(agent, refusal, partition=3)

    releases = [(key, value.sold) for name, key, value in sent if value.type == "ReleaseStock"]
    assert releases == [("a", False)]
    assert reservations.get(created.order_id).status == "REJECTING"


async def test_orders_on_different_partitions_keep_their_own_reservations(
    agent: Any, sent: Sent
) -> None:
    first, second = order_created(a=1), order_created(a=1)
    await put(agent, first, partition=0)
    await put(agent, second, partition=5)

    await put(agent, granted(first.order_id, "a", 1), partition=0)

    assert reservations.get(first.order_id).status == "RESERVED"
    assert reservations.get(second.order_id).status == "PENDING"


async def test_an_event_on_another_partition_than_its_order_finds_no_reservation(
    agent: Any, sent: Sent
) -> None:
    # Why every saga event is keyed by order id: inside an event, RocksDB only shows
    # that event's partition, so a mis-keyed payment failure meets no reservation
    # and leaves a tombstone there instead of releasing the order's stock.
    created = order_created(a=1)
    await put(agent, created, partition=6)
    await put(agent, granted(created.order_id, "a", 1), partition=6)
    failure = saga_event(PaymentFailed, created.order_id, reason="CARD_DECLINED")

    await put(agent, failure, partition=7)

    assert "ReleaseStock" not in types_sent(sent, "inventory.stock-commands")
    assert types_sent(sent, "INVENTORY.STOCK_RELEASED") == ["INVENTORY.STOCK_RELEASED"]
