"""What a worker's messages cost on the wire: records sent by kind, Kafka requests, wake-ups.

Three hooks, each a counter increment on a path every message takes; `transport`,
which makes the producer, the consumer and its thread, installs them all:

* Records: the producer counts each record it is handed, by topic and by the kind of
  that topic (`TopicKinds`): saga events, table changelogs, replies to an asker in
  another worker, and the rest (commands, line results, gateway requests, dead
  letters). A reply to an asker in this very worker never leaves it (see `replies`).
* Requests: the aiokafka clients of the consumer and of the producer count each
  request they send, by API, and each Fetch answered without a single record.
  Metadata requests, which aiokafka sends past its client's `send`, are not counted.
* Wake-ups: Faust's consumer runs in a thread with an event loop of its own, and the
  two loops hand each other calls and results with `call_soon_threadsafe`, which
  writes to the called loop's self-pipe to wake it. Each such call is counted.

prometheus_client's counters are thread-safe: the consumer thread counts too.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

SAGA_EVENT, CHANGELOG, REPLY, INTERNAL = "saga_event", "changelog", "reply", "internal"
#: The kinds of topic a record is sent to, in the order reports show them.
KINDS = (SAGA_EVENT, CHANGELOG, REPLY, INTERNAL)
#: The paths a cross-thread wake-up takes (the `path` label).
CONSUMER_TO_MAIN, OTHER_TO_MAIN, MAIN_TO_CONSUMER = (
    "consumer_to_main",
    "other_to_main",
    "main_to_consumer",
)
#: The Kafka protocol's number for Fetch.
FETCH_API_KEY = 1

RECORDS_SENT = Counter(
    "oms_records_sent",
    "Records this worker's producer was handed to send, by topic kind (saga_event, "
    "changelog, reply, internal) and topic (every reply topic as one).",
    ["kind", "topic"],
)
KAFKA_REQUESTS = Counter(
    "oms_kafka_requests",
    "Kafka requests this worker's clients sent, by client (consumer, producer) and API "
    "(Produce, Fetch, OffsetCommit, Heartbeat, ...); metadata refreshes are not among them.",
    ["client", "api"],
)
EMPTY_FETCHES = Counter(
    "oms_kafka_empty_fetches",
    "Fetch responses that carried no record at all (every partition's record set empty).",
    ["client"],
)
CROSS_THREAD_WAKEUPS = Counter(
    "oms_cross_thread_wakeups",
    "Calls of an event loop's call_soon_threadsafe, each a wake-up of that loop from "
    "another thread, by path: consumer_to_main (Faust's consumer thread hands the main "
    "loop a fetch or a call's result), other_to_main (any other thread), "
    "main_to_consumer (the consumer thread's loop is handed a call).",
    ["path"],
)


@dataclass(frozen=True)
class TopicKinds:
    """How one app's topics sort into kinds, by name alone."""

    #: The app whose table changelogs Faust names `<app id>-<table>-changelog`.
    app_id: str
    #: What every worker's reply topic starts with (Faust's `reply_to_prefix`).
    reply_prefix: str
    #: The saga's topics, whose records are its events.
    saga_events: frozenset[str] = frozenset()

    def kind_of(self, topic: str) -> str:
        """Saga event, changelog, reply, or internal (all the rest)."""
        if topic in self.saga_events:
            return SAGA_EVENT
        if topic.startswith(f"{self.app_id}-") and topic.endswith("-changelog"):
            return CHANGELOG
        if self.reply_prefix and topic.startswith(self.reply_prefix):
            return REPLY
        return INTERNAL

    def label_of(self, topic: str) -> str:
        """The topic's label: each worker has a reply topic of its own, all counted as one."""
        return f"{self.reply_prefix}*" if self.kind_of(topic) == REPLY else topic


def api_name(request_class: str) -> str:
    """The API of a request class: `FetchRequest` (or `FetchRequest_v4`) is `Fetch`."""
    return request_class.split("_v", 1)[0].removesuffix("Request")


def carries_no_record(response: Any) -> bool:
    """Whether a Fetch response holds no record: each partition's record set (its last
    field) is empty."""
    return not any(partition[-1] for _, partitions in response.topics for partition in partitions)


class SentRecords:
    """Counts the records one producer is handed: a dict lookup and an increment each."""

    def __init__(self, kinds: TopicKinds) -> None:
        self.kinds = kinds
        self._by_topic: dict[str, Any] = {}

    def count(self, topic: str) -> None:
        counter = self._by_topic.get(topic)
        if counter is None:
            kind, label = self.kinds.kind_of(topic), self.kinds.label_of(topic)
            counter = self._by_topic[topic] = RECORDS_SENT.labels(kind, label)
        counter.inc()


#: What is counted already: a hook installed twice would count twice.
_HOOKED: weakref.WeakSet[Any] = weakref.WeakSet()


def count_requests(client: Any, name: str) -> None:
    """Count each request the aiokafka client `client` sends, as client `name`."""
    if client in _HOOKED:
        return
    _HOOKED.add(client)
    send = client.send
    by_class: dict[type, tuple[Any, bool]] = {}
    empty = EMPTY_FETCHES.labels(name)

    async def counted_send(node_id: Any, request: Any, **kwargs: Any) -> Any:
        request_class = type(request)
        known = by_class.get(request_class)
        if known is None:
            api = KAFKA_REQUESTS.labels(name, api_name(request_class.__name__))
            fetch = getattr(request_class, "API_KEY", None) == FETCH_API_KEY
            known = by_class[request_class] = (api, fetch)
        counter, fetch = known
        counter.inc()
        response = await send(node_id, request, **kwargs)
        if fetch and carries_no_record(response):
            empty.inc()
        return response

    client.send = counted_send


def count_wakeups(
    main_loop: asyncio.AbstractEventLoop, thread_loop: asyncio.AbstractEventLoop
) -> None:
    """Count the calls handed to either loop from another thread; run in the consumer thread."""
    # The thread itself, not its id: a thread's id is given again once it has ended.
    consumer_thread, current_thread = threading.current_thread(), threading.current_thread
    from_consumer = CROSS_THREAD_WAKEUPS.labels(CONSUMER_TO_MAIN)
    from_other = CROSS_THREAD_WAKEUPS.labels(OTHER_TO_MAIN)

    def to_main() -> None:
        (from_consumer if current_thread() is consumer_thread else from_other).inc()

    _count_calls(main_loop, to_main)
    _count_calls(thread_loop, CROSS_THREAD_WAKEUPS.labels(MAIN_TO_CONSUMER).inc)


def _count_calls(loop: asyncio.AbstractEventLoop, count: Callable[[], None]) -> None:
    if loop in _HOOKED:
        return
    _HOOKED.add(loop)
    call = loop.call_soon_threadsafe

    def call_soon_threadsafe(callback: Any, *args: Any, context: Any = None) -> Any:
        count()
        return call(callback, *args, context=context)

    loop.call_soon_threadsafe = call_soon_threadsafe  # type: ignore[method-assign,assignment]
