"""The services' producer on a real broker: it never forgets a topic it has sent to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from apps.platform.app import create_app
from apps.platform.settings import Settings
from apps.platform.transport import Producer
from tests.processes import HOST, Broker

KNOWN, NEWER, UNDECLARED = "transport.known", "transport.newer", "transport.undeclared"
#: Bounds a send, which would otherwise wait for a leader for the producer's request timeout.
SEND_TIMEOUT_S = 10.0


@pytest.fixture
async def admin(broker: Broker) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=f"{HOST}:{broker.port}")
    await client.start()
    yield client
    await client.close()


@pytest.fixture
async def producer(broker: Broker, admin: AIOKafkaAdminClient) -> AsyncIterator[Producer]:
    await admin.create_topics([NewTopic(KNOWN, 4, 1)])
    producer: Producer = create_app("inventory", settings=Settings(broker_url=broker.url)).producer
    await producer.start()
    yield producer
    await producer.stop()


async def send(producer: Producer, topic: str) -> None:
    await asyncio.wait_for(
        producer.send_and_wait(topic, b'"k"', b"{}", None, None, None), SEND_TIMEOUT_S
    )


async def test_a_topic_sent_to_stays_known_after_a_send_to_a_newer_topic(
    producer: Producer, admin: AIOKafkaAdminClient
) -> None:
    await send(producer, KNOWN)
    # Created after the producer started, so missing from the metadata it has.
    await admin.create_topics([NewTopic(NEWER, 4, 1)])
    await send(producer, NEWER)
    client = producer._ensure_producer().client
    await client.force_metadata_update()

    # aiokafka alone would now know NEWER only.
    assert client.cluster.partitions_for_topic(KNOWN) == {0, 1, 2, 3}
    # So a record queued for KNOWN as that answer came in is sent.
    accumulator = producer._ensure_producer()._message_accumulator
    sent = await accumulator.add_message(TopicPartition(KNOWN, 0), b'"k"', b"{}", timeout=5)
    await asyncio.wait_for(sent, SEND_TIMEOUT_S)


async def test_a_send_to_a_topic_nobody_declared_still_creates_it(producer: Producer) -> None:
    await send(producer, KNOWN)

    await send(producer, UNDECLARED)
