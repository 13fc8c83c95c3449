"""A worker lost mid-load leaves no record committed unhandled.

Two workers of one group, on the services' own app, consumer and flow control
(`slowed_worker`), read a topic of two partitions while records keep coming; one is
killed with SIGKILL, and the other takes its partition over. The windows a rebalance
opens in a real service are held wide: the agent is slow, so records wait in its buffer
when the revoke throws them away; the fetcher is often in the middle of handing a
record over when the revoke stops it; and the seek after the rebalance is slow, so
records are fetched again before it is done. Once the group has committed every
record, every offset below each committed offset must have reached the agent.

Before the consumer was mended (`apps.platform.transport.ReadOffsets` and
`Consumer._new_offset`), the survivor dropped the re-fetched records as read already,
and its commit passed them: this test failed in most runs.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiokafka
import pytest
from aiokafka.structs import TopicPartition

from apps.platform.settings import Settings
from tests.processes import HOST, READY_TIMEOUT_S, Broker, Worker, poll

WORKER = "tests.integration.slowed_worker"
TOPIC, PARTITIONS = "slowed", 2
RECORDS = 400
PER_SECOND = 40
KILLED_AFTER_S = 2.0
#: The windows held wide (see `slowed_worker`).
SLOWED = {"AGENT_S": "0.08", "BUFFER_FULL_S": "0.06", "SEEK_S": "2"}
GROUP = "slowed-service"


@dataclass
class SlowedWorker(Worker):
    """A `slowed_worker` process, started and stopped as a service worker is, and the
    records it handled."""

    def __post_init__(self) -> None:
        self.env = {
            **SLOWED,
            "WEB_PORT": str(self.port),
            "HANDLED": str(self.handled_file),
            "TOPIC": TOPIC,
            "PARTITIONS": str(PARTITIONS),
            **self.env,
        }

    @property
    def handled_file(self) -> Path:
        return self.data_dir / "handled"

    def command(self, settings: Settings) -> list[str]:
        return [sys.executable, "-m", WORKER]

    def times_ready(self) -> int:
        """How often it has finished a rebalance ("Worker ready"); fails if it died."""
        assert self.process is not None and self.process.poll() is None, self.tail()
        return self.log.read_text(errors="replace").count("Worker ready")

    def handled(self) -> set[tuple[int, int]]:
        if not self.handled_file.exists():
            return set()
        lines = self.handled_file.read_text().split()
        return {(int(p), int(o)) for p, o in zip(lines[::2], lines[1::2], strict=True)}


@pytest.fixture
def pair(broker: Broker, tmp_path: Path) -> Iterator[tuple[SlowedWorker, SlowedWorker]]:
    """Two workers of one group, both ready."""
    first = SlowedWorker("first", broker, tmp_path / "first").start()
    poll(lambda: first.times_ready() >= 1, "the first worker ready")
    second = SlowedWorker("second", broker, tmp_path / "second").start()
    # The first is ready again once the group has rebalanced for the second.
    poll(lambda: second.times_ready() >= 1 and first.times_ready() >= 2, "both workers ready")
    yield first, second
    first.stop()
    second.stop()


async def produce_and_kill(broker: Broker, victim: SlowedWorker) -> None:
    """RECORDS records, PER_SECOND a second, half on each partition; `victim` is killed
    KILLED_AFTER_S in."""
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=f"{HOST}:{broker.port}", acks=-1)
    await producer.start()
    try:
        started = time.monotonic()
        for n in range(RECORDS):
            await producer.send_and_wait(
                TOPIC, key=f'"k{n}"'.encode(), value=b"{}", partition=n % 2
            )
            if victim.process is not None and time.monotonic() - started > KILLED_AFTER_S:
                victim.stop(signal.SIGKILL)
                victim.process = None
            await asyncio.sleep(1 / PER_SECOND)
    finally:
        await producer.stop()


def committed(broker: Broker) -> dict[int, int]:
    """The group's committed offset on each partition (0: none)."""

    async def read() -> dict[int, int]:
        consumer = aiokafka.AIOKafkaConsumer(
            bootstrap_servers=f"{HOST}:{broker.port}", group_id=GROUP, enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = range(PARTITIONS)
            return {p: await consumer.committed(TopicPartition(TOPIC, p)) or 0 for p in partitions}
        finally:
            await consumer.stop()

    return asyncio.run(read())


def test_a_worker_killed_mid_load_leaves_no_record_committed_that_no_agent_handled(
    broker: Broker, pair: tuple[SlowedWorker, SlowedWorker]
) -> None:
    survivor, victim = pair
    asyncio.run(produce_and_kill(broker, victim))
    per_partition = RECORDS // PARTITIONS

    deadline = time.monotonic() + READY_TIMEOUT_S
    while (offsets := committed(broker)) != dict.fromkeys(offsets, per_partition):
        assert time.monotonic() < deadline, f"commits stuck at {offsets}"
        time.sleep(0.5)

    handled = survivor.handled() | victim.handled()
    lost = {
        partition: sorted(set(range(offset)) - {o for p, o in handled if p == partition})
        for partition, offset in offsets.items()
    }
    assert lost == {partition: [] for partition in offsets}, "committed, never handled"
