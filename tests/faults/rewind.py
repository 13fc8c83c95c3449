"""A redelivery storm: a service's consumer group rewound to the start of what it reads,
and how to know every event has been handled again."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Collection

import aiokafka
from aiokafka import TopicPartition
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

import topics
from apps.cli.rest import every_entry
from apps.platform.settings import app_id
from tests.e2e.test_metrics import handled
from tests.processes import HOST, Broker, Worker, http, poll, read_events


def topics_read_by(service: str) -> list[str]:
    return [spec.name for spec in topics.ALL if service in spec.readers]


class AsFaust(RoundRobinPartitionAssignor):
    """Round robin, under the name of Faust's assignor: Tansu keeps a group's protocol
    after its members left, and refuses a member of another."""

    name = "faust"


def rewind(broker: Broker, service: str, partitions: int) -> int:
    """Commit offset 0 for `service`'s group on every partition it reads, with its workers
    stopped; how many events that puts before the group again.

    Tansu takes a commit only from a member of the group (not aiokafka's commit for a
    manual assignment), so this joins the group, alone, and takes every partition.
    """
    names = topics_read_by(service)
    everything = {TopicPartition(name, p) for name in names for p in range(partitions)}

    async def commit_the_start() -> bool:
        consumer = aiokafka.AIOKafkaConsumer(
            *names,
            bootstrap_servers=f"{HOST}:{broker.port}",
            group_id=app_id(service),
            enable_auto_commit=False,
            # As the workers: a short session keeps Tansu's join short (BROKER.md).
            session_timeout_ms=3000,
            heartbeat_interval_ms=500,
            partition_assignment_strategy=(AsFaust,),
        )
        try:
            await consumer.start()
            while consumer.assignment() != everything:
                await consumer.getmany(timeout_ms=100)
            await consumer.commit(dict.fromkeys(everything, 0))
            return all([await consumer.committed(tp) == 0 for tp in everything])
        finally:
            await consumer.stop()

    poll(lambda: asyncio.run(commit_the_start()), f"{service}'s group rewound")
    return len(read_events(broker, names))


def events_on_topics(broker: Broker, worker: Worker) -> int:
    """How many events are on the topics the worker's service reads."""
    return len(read_events(broker, topics_read_by(worker.service)))


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
        for item in every_entry(f"{worker.url}/tables/{table['name']}"):
            if str(item["key"]) not in leaving_out:
                hashed.update(json.dumps(item, sort_keys=True).encode() + b"\n")
        digests[table["name"]] = hashed.hexdigest()[:16]
    return digests
