"""A bare aiokafka relay: consume topic A, decode each JSON value, produce it to topic B.

It takes every partition of A by manual assignment: no consumer group, so Tansu's
JoinGroup hold (half the session timeout) never applies. The fetch wait and acks are
the services' (`OMS_FETCH_WAIT_MS`, acks=all), so only Faust is left out.
"""

from __future__ import annotations

import asyncio
import json

import aiokafka

from apps.platform.settings import Settings
from apps.reference.wire import arguments, bootstrap, read_all_of


async def relay(broker_url: str, source: str, sink: str, settings: Settings) -> None:
    servers = bootstrap(broker_url)
    consumer = aiokafka.AIOKafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        fetch_max_wait_ms=settings.fetch_wait_ms,
    )
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=servers, acks="all")
    await consumer.start()
    await producer.start()
    try:
        await read_all_of(consumer, source)
        while True:
            batches = await consumer.getmany(timeout_ms=1000)
            sent = [
                await producer.send(sink, key=record.key, value=_relayed(record.value))
                for records in batches.values()
                for record in records
            ]
            await asyncio.gather(*sent)
    finally:
        await producer.stop()
        await consumer.stop()


def _relayed(value: bytes | None) -> bytes:
    """The value decoded and encoded again, the least a service does with an event."""
    return json.dumps(json.loads(value or b"null")).encode()


def main() -> None:
    args = arguments(__doc__.splitlines()[0]).parse_args()
    asyncio.run(relay(args.broker_url, args.source, args.sink, Settings.from_env()))


if __name__ == "__main__":
    main()
