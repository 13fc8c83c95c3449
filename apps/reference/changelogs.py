"""Read a service's changelogs from the start with a bare aiokafka consumer, and time it:
the yardstick `oms bench --replay` holds a restore to (apps/cli/bench/rebuild.py).

Prints one JSON line: {"records": N, "megabytes": M, "seconds": S}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiokafka
from aiokafka.structs import TopicPartition

from apps.platform.transport import WHOLE_READ_FETCH_BYTES, fetch_highwaters
from apps.reference.wire import bootstrap


async def read_changelogs(servers: str, prefix: str) -> dict[str, float]:
    """Read every record of the changelogs named `<prefix>...-changelog`, as fast as it goes."""
    consumer = aiokafka.AIOKafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        fetch_max_wait_ms=10,
        max_partition_fetch_bytes=WHOLE_READ_FETCH_BYTES,  # as a restore fetches
    )
    await consumer.start()
    try:
        names = await consumer.topics()
        changelogs = sorted(t for t in names if t.startswith(prefix) and t.endswith("-changelog"))
        partitions = [
            TopicPartition(topic, p)
            for topic in changelogs
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        listed = await consumer.end_offsets(partitions)  # too low on Tansu: see transport
        side = aiokafka.AIOKafkaConsumer(
            bootstrap_servers=servers, enable_auto_commit=False, fetch_max_wait_ms=10
        )
        ends = await fetch_highwaters(side, listed)
        pending = {tp for tp in partitions if ends[tp] > 0}
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records = size = 0
        started = time.perf_counter()
        while pending:
            fetched = await consumer.getmany(*pending, timeout_ms=200, max_records=100_000)
            for tp, batch in fetched.items():
                records += len(batch)
                size += sum(len(r.value or b"") + len(r.key or b"") for r in batch)
                if batch and batch[-1].offset >= ends[tp] - 1:
                    pending.discard(tp)
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    return {"records": records, "megabytes": size / 1e6, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker-url", required=True, help="kafka://host:port")
    parser.add_argument("--prefix", required=True, help="the changelogs' names begin so")
    args = parser.parse_args()
    figures = asyncio.run(read_changelogs(bootstrap(args.broker_url), args.prefix))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
