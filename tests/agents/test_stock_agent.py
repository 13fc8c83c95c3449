"""The stock agent applies commands to the stock table on RocksDB, one partition each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from apps.inventory.agents import apply_stock_commands
from apps.inventory.app import stock
from apps.platform.decision import Decision
from apps.platform.replies import CORRELATION_ID, REPLY_TO
from models.inventory import AddStock, CreateProduct, HoldStock, Product, RemoveStock, StockReply
from tests.agents.conftest import Sent
from tests.unit.values import OPERATOR

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def agent(sent: Sent) -> AsyncIterator[Any]:
    async with apply_stock_commands.test_context() as agent:
        yield agent


def new_product_id() -> str:
    return f"p-{uuid4().hex[:8]}"


def create(product_id: str, stock_level: int = 5) -> CreateProduct:
    return CreateProduct(
        command_id=uuid4().hex,
        product_id=product_id,
        issued_at=NOW,
        name="Widget",
        description="",
        price=Decimal("19.90"),
        stock=stock_level,
        active=True,
        requested_by=OPERATOR,
    )


def add(product_id: str, quantity: int) -> AddStock:
    return AddStock(
        command_id=uuid4().hex,
        product_id=product_id,
        issued_at=NOW,
        quantity=quantity,
        requested_by=OPERATOR,
    )


#: The headers of a command from a REST view that waits for the answer.
ASKED = {REPLY_TO: b"replies", CORRELATION_ID: b"c1"}


async def send(agent: Any, command: Any, partition: int, *, asked: bool = False) -> Any:
    """Put `command` on `partition` (as a REST view would if `asked`); what the agent decided."""
    headers = ASKED if asked else None
    await agent.put(command, key=command.product_id, partition=partition, headers=headers)
    outcome = agent.results[max(agent.results)]
    assert isinstance(outcome, Decision)
    return outcome


def reply(decision: Decision[Product]) -> StockReply:
    """What the agent answered the waiting view: the product, or why not."""
    [(address, answer)] = decision.replies
    assert address.correlation_id == "c1" and isinstance(answer, StockReply)
    return answer


async def test_a_created_product_is_replied_and_stored(agent: Any) -> None:
    product_id = new_product_id()

    outcome = await send(agent, create(product_id, 7), partition=2, asked=True)

    assert reply(outcome).error is None and outcome.state is not None
    assert reply(outcome).product == outcome.state and outcome.state.available == 7
    assert stock.get(product_id) == outcome.state


async def test_a_refused_command_is_replied_and_writes_nothing(agent: Any) -> None:
    product_id = new_product_id()
    await send(agent, create(product_id, 2), partition=1)
    remove = RemoveStock(
        command_id="r1", product_id=product_id, issued_at=NOW, quantity=3, requested_by=OPERATOR
    )

    outcome = await send(agent, remove, partition=1, asked=True)

    assert reply(outcome).error == "INSUFFICIENT_STOCK"
    stored = stock.get(product_id)
    assert stored is not None and stored.available == 2


async def test_products_on_different_partitions_keep_their_own_counts(agent: Any) -> None:
    first, second = new_product_id(), new_product_id()
    await send(agent, create(first, 1), partition=0)
    await send(agent, create(second, 10), partition=3)

    await send(agent, add(first, 4), partition=0)
    await send(agent, add(second, 1), partition=3)

    assert [stock.get(first).available, stock.get(second).available] == [5, 11]


async def test_a_command_read_from_another_partition_than_its_product_finds_nothing(
    agent: Any,
) -> None:
    # Why every command is keyed by product id: inside an event, RocksDB only shows
    # that event's partition, so a mis-keyed command meets an unknown product.
    product_id = new_product_id()
    await send(agent, create(product_id, 3), partition=4)

    outcome = await send(agent, add(product_id, 1), partition=5, asked=True)

    assert reply(outcome).error == "PRODUCT_NOT_FOUND"


async def test_a_redelivered_command_is_applied_once(agent: Any) -> None:
    product_id = new_product_id()
    await send(agent, create(product_id, 1), partition=6)
    command = add(product_id, 2)

    await send(agent, command, partition=6)
    outcome = await send(agent, command, partition=6)

    assert outcome.state is not None and outcome.state.available == 3


async def test_a_hold_answers_the_reservation_agent_keyed_by_order_id(
    agent: Any, sent: Sent
) -> None:
    product_id = new_product_id()
    await send(agent, create(product_id, 3), partition=1)
    hold = HoldStock(
        command_id="h1", product_id=product_id, issued_at=NOW, order_id="o-1", quantity=2
    )

    await send(agent, hold, partition=1)

    assert [(topic, key, value.type) for topic, key, value in sent] == [
        ("inventory.line-results", "o-1", "LineGranted")
    ]
    assert stock.get(product_id).holds == {"o-1": 2}
