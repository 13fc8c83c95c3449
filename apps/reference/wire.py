"""What the references carry: ~200-byte JSON events keyed like the saga's, and the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from uuid import uuid4

import aiokafka
from aiokafka.structs import TopicPartition

#: The size of a saga event on the wire, which the references' messages imitate.
MESSAGE_BYTES = 200
#: How long to wait for a topic's partitions to be known.
METADATA_TIMEOUT_S = 60.0


def event(phase: str, seq: int) -> tuple[bytes, bytes]:
    """A JSON key (like the saga's order ids) and a ~200-byte JSON event carrying its send time."""
    order_id = f"ref-{uuid4().hex[:12]}"
    value: dict[str, Any] = {
        "event_id": uuid4().hex,
        "type": "REFERENCE.RELAYED",
        "order_id": order_id,
        "phase": phase,
        "seq": seq,
        "sent": time.monotonic(),
        "pad": "",
    }
    value["pad"] = "x" * max(0, MESSAGE_BYTES - len(json.dumps(value)))
    return json.dumps(order_id).encode(), json.dumps(value).encode()


def bootstrap(broker_url: str) -> str:
    """`host:port` of the first broker of a `kafka://host:port[;...]` URL."""
    return broker_url.split("://", 1)[-1].split(";")[0].split(",")[0]


def arguments(description: str) -> argparse.ArgumentParser:
    """The arguments every reference process takes: where, and from which topic to which."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--broker-url", required=True, help="kafka://host:port")
    parser.add_argument("--source", required=True, help="the topic to read")
    parser.add_argument("--sink", required=True, help="the topic to write")
    return parser


async def read_all_of(consumer: aiokafka.AIOKafkaConsumer, topic: str) -> None:
    """Assign every partition of `topic` to `consumer`, from the start: no group to join."""
    deadline = asyncio.get_running_loop().time() + METADATA_TIMEOUT_S
    while not (partitions := consumer.partitions_for_topic(topic)):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"topic {topic} has no partitions after {METADATA_TIMEOUT_S:g} s")
        await consumer.topics()  # refreshes the metadata
        await asyncio.sleep(0.1)
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    await consumer.seek_to_beginning()
