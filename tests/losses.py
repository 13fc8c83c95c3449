"""What a running system nudged or put aside, read from its broker: how an end-to-end or
fault test sees that a record was lost.

A lost record does not fail a test by itself: the order service nudges an order that
stalls (after OMS_SAGA_NUDGE_AFTER), the saga goes on, and a test that waits long enough
sees every order end. So every e2e and fault test ends by reading what was written,
while it ran, to every broker still running: the `NudgeOrder` commands on the order
service's command topic, and the records on each service's dead-letter topic. There must
be no nudge, and no dead letter but those the test put there on purpose (its marker
`@pytest.mark.dead_letters(count)`). The topics are read, not the workers' metrics: a
killed worker's counters die with it, and two workers of a service count apart.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import aiokafka
from aiokafka.structs import TopicPartition

import topics
from apps.platform.settings import SERVICES
from tests.processes import HOST, READY_TIMEOUT_S, Broker, read_to_the_end

NUDGES = topics.ORDER_COMMANDS.name
DEAD_LETTERS = frozenset(topics.dead_letters(service).name for service in SERVICES)


@dataclass(frozen=True)
class Tally:
    """How many orders were nudged (which ones, in the order nudged), and how many records
    put aside."""

    nudges: int = 0
    dead_letters: int = 0
    nudged: tuple[str, ...] = field(default=(), compare=False)

    def __add__(self, more: Tally) -> Tally:
        return Tally(
            self.nudges + more.nudges,
            self.dead_letters + more.dead_letters,
            self.nudged + more.nudged,
        )

    def __sub__(self, before: Tally) -> Tally:
        """What was added since `before`, an earlier tally of the same ledger."""
        return Tally(
            self.nudges - before.nudges,
            self.dead_letters - before.dead_letters,
            self.nudged[len(before.nudged) :],
        )


@dataclass
class Ledger:
    """The nudges and dead letters on one broker, each look reading on from the last."""

    broker: Broker
    tally: Tally = Tally()
    positions: dict[TopicPartition, int] = field(default_factory=dict)

    def look(self) -> Tally:
        """The tally of everything written to the broker until now."""
        # In a thread of its own: a test may run inside an event loop (Playwright's).
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(asyncio.run, self._read_on()).result()
        return self.tally

    async def _read_on(self) -> None:
        consumer = aiokafka.AIOKafkaConsumer(
            bootstrap_servers=f"{HOST}:{self.broker.port}",
            enable_auto_commit=False,
            fetch_max_wait_ms=10,
        )
        await consumer.start()
        try:
            # Only topics that exist: asking for another would make the broker create it.
            present = await consumer.topics() & {NUDGES, *DEAD_LETTERS}
            partitions = [
                TopicPartition(topic, partition)
                for topic in sorted(present)
                for partition in consumer.partitions_for_topic(topic) or ()
            ]
            if not partitions:
                return
            consumer.assign(partitions)
            for tp in partitions:
                consumer.seek(tp, self.positions.get(tp, 0))
            deadline = time.monotonic() + READY_TIMEOUT_S
            while not await read_to_the_end(consumer):
                assert time.monotonic() < deadline, f"{sorted(present)} not read to the end"
                batches = await consumer.getmany(timeout_ms=200)
                for tp, records in batches.items():
                    self.tally += counted(tp.topic, [record.value for record in records])
            self.positions.update({tp: await consumer.position(tp) for tp in partitions})
        finally:
            await consumer.stop()


def counted(topic: str, values: list[bytes | None]) -> Tally:
    """What `values` read from `topic` add: each a dead letter, or nudges among commands."""
    if topic in DEAD_LETTERS:
        return Tally(dead_letters=len(values))
    nudged = tuple(order_id for value in values if (order_id := nudged_order(value)))
    return Tally(nudges=len(nudged), nudged=nudged)


def nudged_order(value: bytes | None) -> str | None:
    """The order `value` nudges, if it is a nudge."""
    try:
        command = json.loads(value or b"")
    except ValueError:
        return None
    if isinstance(command, dict) and command.get("type") == "NudgeOrder":
        return str(command.get("order_id"))
    return None


#: The most log lines a failure shows about the orders nudged.
SHOWN_LINES = 40


def lines_about(orders: list[str], logs: Path | None) -> list[str]:
    """The last lines of the worker logs under `logs` that name one of `orders`."""
    if not orders or logs is None:
        return []
    found = [
        f"{path.name}: {line}"
        for path in sorted(logs.rglob("*.log"))
        for line in path.read_text(errors="replace").splitlines()
        if any(order in line for order in orders)
    ]
    return found[-SHOWN_LINES:]


#: The ledger of each broker looked at, by identity (a port may be used again).
_LEDGERS: dict[int, Ledger] = {}


def look() -> dict[int, Tally]:
    """The tally of every broker running now, by identity."""
    tallies = {}
    for broker in Broker.running:
        ledger = _LEDGERS.get(id(broker))
        if ledger is None or ledger.broker is not broker:
            ledger = _LEDGERS[id(broker)] = Ledger(broker)
        tallies[id(broker)] = ledger.look()
    return tallies


def assert_nothing_lost(
    before: dict[int, Tally], dead_letters: int = 0, logs: Path | None = None
) -> None:
    """Since `before`: no order nudged on any broker, and `dead_letters` put aside in all.

    A nudge names its orders, and what the logs under `logs` say of them.
    """
    since = [tally - before[broker] for broker, tally in look().items() if broker in before]
    nudged = sum(tally.nudges for tally in since)
    orders = sorted({order for tally in since for order in tally.nudged})
    assert nudged == 0, (
        f"{nudged} stalled orders nudged: a record was lost on the way: {orders}\n"
        + "\n".join(lines_about(orders, logs))
    )
    put_aside = sum(tally.dead_letters for tally in since)
    assert put_aside == dead_letters, f"{put_aside} records dead-lettered, {dead_letters} put there"
