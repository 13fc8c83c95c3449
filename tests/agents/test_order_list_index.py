"""The orders' list index on RocksDB: walked while the agent goes on, then kept by each write."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from faust.types import TP

from apps.order.agents import manage_orders
from apps.order.app import orders
from apps.platform import listed_table
from apps.platform.listed_table import Rebalanced
from models.orders import OrderFilter
from tests.agents.conftest import Sent
from tests.agents.test_order_agent import cancel, place, put
from tests.saga import new_order_id


@pytest.fixture
async def agent(sent: Sent, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    """The order agent, on a worker that owns every partition of the orders' changelog."""
    owned = {TP(orders.changelog_topic.get_topic_name(), n) for n in range(8)}
    monkeypatch.setattr(type(orders.app.assignor), "assigned_actives", lambda self: owned)
    monkeypatch.setattr(listed_table, "WALK_SLICE", 1)  # a yield after every row
    async with manage_orders.test_context() as agent:
        await rebalanced()  # an index of this test's event loop, walked anew
        yield agent


async def rebalanced() -> None:
    """What a rebalance does to the table: its index is walked anew."""
    await orders.on_rebalance(set(), set(), set())


def walked(query: OrderFilter) -> list[str]:
    """The ids a walk of the whole table lists for `query`, newest first."""
    kept = [order for order in orders.values() if query.matches(order)]
    return [order.id for order in sorted(kept, key=lambda o: (o.created_at, o.id), reverse=True)]


async def listed(query: OrderFilter) -> tuple[list[str], int]:
    values, total = await orders.page(query)
    return [order.id for order in values], total


async def test_orders_placed_while_the_index_is_walked_are_listed(agent: Any) -> None:
    for partition in range(3):
        await put(agent, place(new_order_id()), partition)
    await rebalanced()

    building = orders.start_index()
    placed_meanwhile = 0
    while not building.done():
        await put(agent, place(new_order_id()), placed_meanwhile % 8)
        placed_meanwhile += 1

    everything = OrderFilter(limit=1000)
    assert placed_meanwhile > 0
    assert await listed(everything) == (walked(everything), len(walked(everything)))


async def test_a_new_status_is_listed_at_once_without_a_new_walk(agent: Any) -> None:
    order_id = new_order_id()
    await put(agent, place(order_id), 4)
    index = await orders.ready_index()

    await put(agent, cancel(order_id), 4)

    status = orders.get(order_id).status
    now, before = (OrderFilter(status=s, limit=1000) for s in (status, "PENDING"))
    assert status != "PENDING"
    assert order_id in (await listed(now))[0]
    assert order_id not in (await listed(before))[0]
    assert await listed(now) == (walked(now), len(walked(now)))
    assert await orders.ready_index() is index


async def test_a_list_waiting_on_a_walk_a_rebalance_made_stale_is_told_to_ask_again(
    agent: Any,
) -> None:
    for partition in range(3):
        await put(agent, place(new_order_id()), partition)
    await rebalanced()
    waiting = asyncio.ensure_future(orders.ready_index())
    await put(agent, place(new_order_id()), 5)  # lets the walk begin

    await rebalanced()

    with pytest.raises(Rebalanced):
        await waiting
    assert await listed(OrderFilter(limit=1000)) == (
        walked(OrderFilter(limit=1000)),
        len(walked(OrderFilter(limit=1000))),
    )
