"""An order whose ORDER.CREATED the inventory never handles is nudged on and confirmed.

The loss is made for real: while the inventory is down, its consumer group's offsets on
ORDER.CREATED are committed past the order, so the inventory never sees it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import aiokafka
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

from apps.platform.settings import app_id
from apps.platform.transport import fetch_highwaters
from tests.integration.conftest import PARTITIONS
from tests.processes import HOST, Broker, Worker, http, poll

#: Seconds an order may stay open and unchanged before the order worker nudges it.
NUDGE_AFTER = "2"


class FaustProtocol(RoundRobinPartitionAssignor):
    """Round robin under the name of Faust's assignor: Tansu keeps a group to the protocol
    it was made with, even once empty."""

    name = "faust"


def skip_to_the_end(broker: Broker, group: str, topic: str) -> None:
    """Commit `group`'s offsets on every partition of `topic` at its true end."""

    async def commit() -> None:
        servers = [f"{HOST}:{broker.port}"]
        # Tansu takes commits from members only: join the group, alone, for the commit.
        consumer = aiokafka.AIOKafkaConsumer(
            topic,
            bootstrap_servers=servers,
            group_id=group,
            enable_auto_commit=False,
            session_timeout_ms=3000,
            heartbeat_interval_ms=500,
            partition_assignment_strategy=(FaustProtocol,),
        )
        await consumer.start()
        try:
            while len(consumer.assignment()) < int(PARTITIONS):
                await consumer.getmany(timeout_ms=200)
            partitions = sorted(consumer.assignment())
            listed = await consumer.end_offsets(partitions)  # too low on Tansu: see transport
            reader = aiokafka.AIOKafkaConsumer(
                bootstrap_servers=servers, enable_auto_commit=False, fetch_max_wait_ms=10
            )
            ends = await fetch_highwaters(reader, listed)
            await consumer.commit(dict(ends))
        finally:
            await consumer.stop()

    asyncio.run(commit())


def test_an_order_the_inventory_never_saw_is_nudged_on_and_confirmed(
    start_worker: Callable[..., Worker], broker: Broker
) -> None:
    env = {"OMS_SAGA_NUDGE_AFTER": NUDGE_AFTER}
    order, payment, inventory = (
        start_worker(service, **env) for service in ("order", "payment", "inventory")
    )
    for worker in (order, payment, inventory):
        worker.wait_ready()
    product = inventory.create_product(id="p-nudged", name="x", price="2.00", stock=5)["id"]
    inventory.stop()

    body = {"customer_id": "c1", "items": [{"product_id": product, "quantity": 1}]}
    placed = http("POST", f"{order.url}/orders", body)
    assert placed.status == 201, placed.body
    order_id = placed.body["id"]
    poll(
        lambda: payment.get(f"/tables/payments/{order_id}").status == 200,
        "the payment service saw ORDER.CREATED",
    )
    skip_to_the_end(broker, app_id("inventory"), "ORDER.CREATED")
    inventory = start_worker("inventory", inventory.data_dir, **env).wait_ready()

    poll(
        lambda: http("GET", f"{order.url}/orders/{order_id}?wait=5").body["status"] == "CONFIRMED",
        f"{order_id} CONFIRMED",
    )
    assert re.search(rf"order {order_id} stalled PENDING since .*: nudged", order.tail(400))
    assert order.counter("oms_sagas_nudged_total") >= 1
    poll(lambda: inventory.level(product) == (4, 0, 1), f"{product} at 4/0/1")
