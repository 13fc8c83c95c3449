"""A redelivery storm: a service's consumer group rewound to the start of what it reads,
and how to know every event has been handled again."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Collection

import aiokafka
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

import topics
from apps.cli.rest import every_item
from apps.platform.settings import app_id
from tests.e2e.test_metrics import handled
from tests.processes import HOST, Broker, Worker, http, poll, read_events


def topics_read_by(service: str) -> list[str]:
    return [spec.name for spec in topics.ALL if service in spec.readers]


def rewind(broker: Broker, service: str, partitions: int) -> int:
    """Commit offset 0 for `service`'s group on every partition it reads, once its workers
    have left the group; how many events that puts before the group again."""
    names = topics_read_by(service)
    tps = [TopicPartition(name, partition) for name in names for partition in range(partitions)]

    async def commit_the_start() -> bool:
        consumer = aiokafka.AIOKafkaConsumer(
            bootstrap_servers=f"{HOST}:{broker.port}",
            group_id=app_id(service),
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            consumer.assign(tps)
            await consumer.commit(dict.fromkeys(tps, 0))
            return all([await consumer.committed(tp) == 0 for tp in tps])
        except KafkaError:  # the stopped workers are still members: not yet
            return False
        finally:
            await consumer.stop()

    poll(lambda: asyncio.run(commit_the_start()), f"{service}'s group rewound")
    return len(read_events(broker, names))


def events_handled(worker: Worker) -> int:
    """How many events the worker's agents have handled from the topics its service reads."""
    names = set(topics_read_by(worker.service))
    return int(sum(count for topic, count in handled(worker).items() if topic in names))


def table_digests(worker: Worker, leaving_out: Collection[str] = ()) -> dict[str, str]:
    """A digest of each of the worker's tables (every worker's rows), leaving out the rows
    of `leaving_out` keys."""
    tables = http("GET", f"{worker.url}/tables").body["items"]
    digests = {}
    for table in tables:
        hashed = hashlib.sha256()
        for item in every_item(f"{worker.url}/tables/{table['name']}"):
            if str(item["key"]) not in leaving_out:
                hashed.update(json.dumps(item, sort_keys=True).encode() + b"\n")
        digests[table["name"]] = hashed.hexdigest()[:16]
    return digests
