"""Drive one reference and time it: throughput of a burst, then the latency of one hop.

It prints one JSON line per milestone, so the bench can read the reference's CPU at
the edges of the burst:
  {"event": "topics"}            both topics exist (start the reference now)
  {"event": "ready"}             a warm-up message came through
  {"event": "burst"}             the burst starts
  {"event": "burst_end", "messages": N, "seconds": S}
  {"event": "hops", "seconds": [...]}   produce to A -> seen on B, one message at a time
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import aiokafka
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from apps.platform.settings import Settings
from apps.reference.wire import arguments, bootstrap, event, read_all_of

Seen = Callable[[dict[str, Any], float], bool]

#: Bounds on each wait, generous for a busy 2-core machine.
READY_TIMEOUT_S = 120.0
PHASE_TIMEOUT_S = 300.0
WARM_UP_INTERVAL_S = 0.2


def say(event_name: str, **figures: object) -> None:
    print(json.dumps({"event": event_name, **figures}), flush=True)


async def create_topics(servers: str, partitions: int, *names: str) -> None:
    """The topics with `partitions` each: an undeclared topic gets Tansu's own count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        for name in names:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(name, partitions, replication_factor=1)])
    finally:
        await admin.close()


class Sink:
    """Reads topic B from its start and calls `seen(value, at)` for each message."""

    def __init__(self, servers: str, topic: str, fetch_wait_ms: int) -> None:
        self.topic = topic
        self.consumer = aiokafka.AIOKafkaConsumer(
            bootstrap_servers=servers, enable_auto_commit=False, fetch_max_wait_ms=fetch_wait_ms
        )

    async def start(self) -> None:
        await self.consumer.start()
        await read_all_of(self.consumer, self.topic)

    async def read_until(self, done: Seen, bound: float) -> None:
        """Read until `done(value, when seen)` holds; TimeoutError after `bound` seconds."""
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            batches = await self.consumer.getmany(timeout_ms=100)
            at = time.monotonic()
            for records in batches.values():
                for record in records:
                    if done(json.loads(record.value or b"null"), at):
                        return
        raise TimeoutError(f"what was awaited on {self.topic} did not come in {bound:g} s")


async def probe(args: argparse.Namespace, settings: Settings) -> None:
    servers = bootstrap(args.broker_url)
    source, sink_topic = args.source, args.sink
    await create_topics(servers, settings.partitions, source, sink_topic)
    say("topics")
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=servers, acks="all")
    await producer.start()
    sink = Sink(servers, sink_topic, settings.fetch_wait_ms)
    await sink.start()
    try:
        await warm_up(producer, sink, source)
        say("ready")
        say("burst")
        messages, seconds = await burst(producer, sink, source, args.messages)
        say("burst_end", messages=messages, seconds=seconds)
        hops = await one_hop_at_a_time(producer, sink, source, args.hops, args.hop_rate)
        say("hops", seconds=hops)
    finally:
        await sink.consumer.stop()
        await producer.stop()


async def warm_up(producer: aiokafka.AIOKafkaProducer, sink: Sink, source: str) -> None:
    """Send a message now and then until one comes through: the reference is running."""

    async def keep_sending() -> None:
        for seq in range(int(READY_TIMEOUT_S / WARM_UP_INTERVAL_S)):
            key, value = event("warm-up", seq)
            await producer.send_and_wait(source, value, key=key)
            await asyncio.sleep(WARM_UP_INTERVAL_S)

    sending = asyncio.ensure_future(keep_sending())
    try:
        await sink.read_until(lambda value, _: value.get("phase") == "warm-up", READY_TIMEOUT_S)
    finally:
        sending.cancel()


async def burst(
    producer: aiokafka.AIOKafkaProducer, sink: Sink, source: str, count: int
) -> tuple[int, float]:
    """Produce `count` messages at once; the time until the last is seen on the sink."""
    began = time.monotonic()
    seen: set[int] = set()
    last = began

    def counted(value: dict[str, Any], at: float) -> bool:
        nonlocal last
        if value.get("phase") == "burst":
            seen.add(value["seq"])
            last = at
        return len(seen) == count

    async def produce() -> None:
        sends = []
        for seq in range(count):
            key, value = event("burst", seq)
            sends.append(await producer.send(source, value, key=key))
        await asyncio.gather(*sends)

    producing = asyncio.ensure_future(produce())
    await sink.read_until(counted, PHASE_TIMEOUT_S)
    await producing
    return len(seen), last - began


async def one_hop_at_a_time(
    producer: aiokafka.AIOKafkaProducer, sink: Sink, source: str, count: int, rate: float
) -> list[float]:
    """Send `count` messages at `rate` a second; each one's time from send to sink."""
    latencies: dict[int, float] = {}

    def timed(value: dict[str, Any], at: float) -> bool:
        if value.get("phase") == "hop":
            latencies[value["seq"]] = at - value["sent"]
        return len(latencies) == count

    async def produce() -> None:
        for seq in range(count):
            key, value = event("hop", seq)
            await producer.send(source, value, key=key)
            await asyncio.sleep(1 / rate)

    producing = asyncio.ensure_future(produce())
    await sink.read_until(timed, PHASE_TIMEOUT_S)
    await producing
    return [latencies[seq] for seq in sorted(latencies)]


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="in the burst")
    parser.add_argument("--hops", type=int, default=100, help="messages timed one by one")
    parser.add_argument("--hop-rate", type=float, default=20.0, help="of those, per second")
    args = parser.parse_args()
    asyncio.run(probe(args, Settings.from_env()))


if __name__ == "__main__":
    main()
