"""The payment agents on RocksDB: each order's payment on its own partition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from apps.payment.agents import call_gateway, pending_payments, take_payments
from apps.payment.app import payments
from models.payments import Charge, GatewayAnswered
from tests.agents.conftest import Sent
from tests.saga import inventory_reserved, new_order_id, order_created


@pytest.fixture
async def agent(sent: Sent) -> AsyncIterator[Any]:
    async with take_payments.test_context() as agent:
        yield agent


async def put(agent: Any, message: Any, partition: int) -> None:
    await agent.put(message, key=message.order_id, partition=partition)


async def test_an_order_and_its_reservation_ask_the_gateway_to_charge(
    agent: Any, sent: Sent
) -> None:
    order_id = new_order_id()

    await put(agent, order_created(order_id, "tok_ok"), partition=1)
    await put(agent, inventory_reserved(order_id, "9.90"), partition=1)

    ((_, key, charge),) = [s for s in sent if s[0] == "payment.gateway-requests"]
    assert (key, charge.amount, charge.payment_token) == (order_id, Decimal("9.90"), "tok_ok")
    assert payments.get(order_id).status == "PENDING"
    assert [s for s in sent if s[0] == "PAYMENT.STATUS_UPDATE"] == []  # told once it settles


async def test_the_gateways_answer_completes_the_payment(agent: Any, sent: Sent) -> None:
    order_id = new_order_id()
    await put(agent, order_created(order_id, "tok_ok"), partition=2)
    await put(agent, inventory_reserved(order_id), partition=2)

    answer = GatewayAnswered(
        order_id=order_id, payment_id=f"pay-{order_id}", request="Charge", outcome="CAPTURED"
    )
    await put(agent, answer, partition=2)

    assert payments.get(order_id).status == "COMPLETED"


@pytest.mark.usefixtures("fail_once_after_write")
async def test_a_failure_after_the_write_still_asks_the_gateway_once_the_event_is_tried_again(
    agent: Any, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The timer knows the pending payments (as after its first tick), so the write's note shows.
    monkeypatch.setattr(pending_payments, "keys", set())
    order_id = new_order_id()
    await put(agent, order_created(order_id, "tok_ok"), partition=3)

    await put(agent, inventory_reserved(order_id, "9.90"), partition=3)

    assert payments.get(order_id).status == "PENDING"
    charges = [key for topic, key, _ in sent if topic == "payment.gateway-requests"]
    assert charges == [order_id]
    assert order_id in (pending_payments.keys or ())


async def test_a_reservation_on_another_partition_than_its_order_finds_no_token(
    agent: Any, sent: Sent
) -> None:
    # Why every saga event is keyed by order id: a mis-keyed reservation meets no
    # order on its partition, so nothing is charged.
    order_id = new_order_id()
    await put(agent, order_created(order_id, "tok_ok"), partition=3)

    await put(agent, inventory_reserved(order_id), partition=4)

    assert not [s for s in sent if s[0] == "payment.gateway-requests"]


async def test_the_gateway_agent_retries_a_flaky_charge_and_reports_the_capture(
    sent: Sent,
) -> None:
    order_id = new_order_id()
    charge = Charge(
        order_id=order_id,
        payment_id=f"pay-{order_id}",
        amount=Decimal("5.00"),
        payment_token="tok_flaky",
    )

    async with call_gateway.test_context() as gateway_agent:
        await gateway_agent.put(charge, key=order_id, partition=0)

    ((topic, key, answer),) = sent
    assert (topic, key, answer.outcome) == ("payment.commands", order_id, "CAPTURED")
