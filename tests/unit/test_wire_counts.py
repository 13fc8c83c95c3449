"""The wire counts of a worker: each record sent is counted under its topic's kind, each
Kafka request under its API, each empty fetch and each cross-thread wake-up once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka.protocol.fetch import FetchRequest, FetchResponse_v4
from aiokafka.protocol.produce import ProduceRequest
from prometheus_client import REGISTRY

import topics
from apps.platform import wire_counts
from apps.platform.app import ServiceApp
from apps.platform.wire_counts import (
    CHANGELOG,
    INTERNAL,
    REPLY,
    SAGA_EVENT,
    SentRecords,
    TopicKinds,
    api_name,
    carries_no_record,
)

ORDER = TopicKinds("order-service", "f-reply-", ServiceApp.saga_topics)


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"{name}_total", labels) or 0.0


def test_the_saga_topics_are_saga_events_and_only_they() -> None:
    saga = [*topics.ORDER_EVENTS, *topics.INVENTORY_EVENTS, *topics.PAYMENT_OUTCOMES]

    assert {ORDER.kind_of(spec.name) for spec in saga} == {SAGA_EVENT}
    assert {ORDER.kind_of(spec.name) for spec in topics.ALL if spec not in saga} == {INTERNAL}


def test_a_table_changelog_of_the_app_is_a_changelog__another_apps_is_not() -> None:
    assert ORDER.kind_of("order-service-orders-changelog") == CHANGELOG
    assert ORDER.kind_of("order-service-dead-letters-changelog") == CHANGELOG
    assert ORDER.kind_of("inventory-service-stock-changelog") == INTERNAL


def test_a_reply_topic_of_any_worker_is_a_reply__all_labelled_as_one() -> None:
    first, second = "f-reply-6f1c0f4e-0b1d", "f-reply-9a2b7c3d-4e5f"

    assert (ORDER.kind_of(first), ORDER.kind_of(second)) == (REPLY, REPLY)
    assert ORDER.label_of(first) == ORDER.label_of(second) == "f-reply-*"
    assert ORDER.label_of("ORDER.CREATED") == "ORDER.CREATED"


def test_dead_letters_commands_and_fausts_own_topics_are_internal() -> None:
    for topic in ("order.dead-letters", "order.commands", "order-service-__assignor-__leader"):
        assert ORDER.kind_of(topic) == INTERNAL, topic


def test_an_app_that_names_no_saga_topics_sends_no_saga_events() -> None:
    bare = TopicKinds("forward", "f-reply-")

    assert bare.kind_of("ORDER.CREATED") == INTERNAL


def test_a_request_class_is_counted_under_its_api() -> None:
    assert api_name("FetchRequest") == "Fetch"
    assert api_name("FetchRequest_v4") == "Fetch"
    assert api_name("OffsetCommitRequest") == "OffsetCommit"
    assert api_name("HeartbeatRequest_v1") == "Heartbeat"


def fetch_response(*record_sets: bytes | None) -> FetchResponse_v4:
    partitions = [(n, 0, 10, 10, [], records) for n, records in enumerate(record_sets)]
    return FetchResponse_v4(throttle_time_ms=0, topics=[("ORDER.CREATED", partitions)])


def test_a_fetch_is_empty_only_if_no_partition_brought_a_record() -> None:
    assert carries_no_record(fetch_response(b"", b""))
    assert carries_no_record(fetch_response(None))
    assert carries_no_record(FetchResponse_v4(throttle_time_ms=0, topics=[]))
    assert not carries_no_record(fetch_response(b"", b"\x00batch"))


def test_each_record_sent_is_counted_under_its_topic_and_kind() -> None:
    sent = SentRecords(ORDER)
    before = counted("oms_records_sent", kind=SAGA_EVENT, topic="ORDER.CREATED")
    before_reply = counted("oms_records_sent", kind=REPLY, topic="f-reply-*")

    for topic in ("ORDER.CREATED", "ORDER.CREATED", "f-reply-a", "f-reply-b"):
        sent.count(topic)

    assert counted("oms_records_sent", kind=SAGA_EVENT, topic="ORDER.CREATED") == before + 2
    assert counted("oms_records_sent", kind=REPLY, topic="f-reply-*") == before_reply + 2


class Client:
    """An aiokafka client's `send`, answering each request with a canned response."""

    def __init__(self, response: Any = None) -> None:
        self.response = response
        self.sent: list[Any] = []

    async def send(self, node_id: int, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request)
        return self.response


async def test_each_request_is_counted_by_api_and_an_empty_fetch_once_more() -> None:
    client = Client(fetch_response(b""))
    wire_counts.count_requests(client, "test-fetcher")
    fetch = FetchRequest(10, 1, 1024, 0, [])

    answers = [await client.send(1, fetch), await client.send(1, fetch)]

    assert answers == [client.response] * 2 and client.sent == [fetch, fetch]
    assert counted("oms_kafka_requests", client="test-fetcher", api="Fetch") == 2
    assert counted("oms_kafka_empty_fetches", client="test-fetcher") == 2


async def test_a_fetch_that_brought_records_is_not_empty_and_a_produce_is_no_fetch() -> None:
    client = Client(fetch_response(b"\x00batch"))
    wire_counts.count_requests(client, "test-busy")

    await client.send(1, FetchRequest(10, 1, 1024, 0, []))
    await client.send(1, ProduceRequest(None, -1, 1000, []))

    assert counted("oms_kafka_requests", client="test-busy", api="Fetch") == 1
    assert counted("oms_kafka_requests", client="test-busy", api="Produce") == 1
    assert counted("oms_kafka_empty_fetches", client="test-busy") == 0


async def test_a_client_hooked_twice_counts_each_request_once() -> None:
    client = Client(fetch_response(b"\x00batch"))
    wire_counts.count_requests(client, "test-twice")
    wire_counts.count_requests(client, "test-twice")

    await client.send(1, ProduceRequest(None, -1, 1000, []))

    assert counted("oms_kafka_requests", client="test-twice", api="Produce") == 1


@pytest.fixture
def loops() -> Iterator[tuple[asyncio.AbstractEventLoop, asyncio.AbstractEventLoop]]:
    main, thread = asyncio.new_event_loop(), asyncio.new_event_loop()
    yield main, thread
    main.close()
    thread.close()


def in_thread(function: Any) -> None:
    thread = threading.Thread(target=function)
    thread.start()
    thread.join()


def test_each_cross_thread_call_is_counted_by_its_path(
    loops: tuple[asyncio.AbstractEventLoop, asyncio.AbstractEventLoop],
) -> None:
    main, thread = loops
    paths = ("consumer_to_main", "other_to_main", "main_to_consumer")
    before = {path: counted("oms_cross_thread_wakeups", path=path) for path in paths}

    def consumer_thread() -> None:
        wire_counts.count_wakeups(main, thread)
        main.call_soon_threadsafe(print)
        main.call_soon_threadsafe(print)

    in_thread(consumer_thread)
    in_thread(lambda: main.call_soon_threadsafe(print))
    thread.call_soon_threadsafe(print)

    grown = {path: counted("oms_cross_thread_wakeups", path=path) - before[path] for path in paths}
    assert grown == {"consumer_to_main": 2, "other_to_main": 1, "main_to_consumer": 1}
    assert len(main._ready) == 3 and len(thread._ready) == 1  # the calls went on to the loops
