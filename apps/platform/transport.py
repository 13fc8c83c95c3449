"""The Faust transport, adjusted for Tansu, for routed reads, and so no record is skipped.

Eight workarounds live here, the first two measured in BROKER.md:

* Faust's aiokafka driver hard-codes `fetch_max_wait_ms=1500`; Tansu does not wake
  a parked fetch when data arrives, so every hop costs a quarter of it. The consumer
  gets the configured wait instead.
* Tansu answers ListOffsets(LATEST) with the newest batch's base offset + 1, which is
  too small when that batch holds several records. Faust takes it as the changelog
  highwater and then refuses to start with a ConsistencyError. The high watermark in
  a Fetch response is right, so highwaters are read by fetching the last record.
* A routed read hashes its key with the producer's metadata, which aiokafka only
  loads for topics it has sent to; the producer can be told to load it up front.
* aiokafka's producer reads the metadata of every topic until its first send to a
  topic it has not seen; from then on it asks only for the topics it was sent to that
  way, and each answer replaces what it knew. A topic known from an earlier answer
  drops out, and a record queued for it just before such an answer waits for a leader
  that never comes, until something else is sent to that topic: a REST command times
  out, and a commit waits as long for its flush. The producer now tracks each topic
  before its first record, so an answer that leaves it out is followed by one that
  does not.
* Before committing offsets Faust flushes the buffer of table writes, but gives up
  once 0.1 s passes without a message sent; under load it then commits offsets whose
  table writes are still queued, and a crash loses them. The flush drains it all.
* After a rebalance Faust seeks each partition back to its committed offset, but
  aiokafka leaves a partition with nothing (or 0) committed where it is, which can
  be past records Faust fetched and dropped. Such partitions go back to their start.
* A fetcher handing a record over when a revoke stops the flow notes it as read after
  the revoke forgot the partition's read offset; after the rebalance the records
  re-fetched below it were dropped as read, though the revoke had thrown them away
  unhandled. A stream partition's read offset is now set by its seek alone
  (`ReadOffsets`). The same hand-over left a changelog partition's read offset past
  where the next recovery sought it (Faust's `seek_wait` sets none), and the records
  in between were dropped for good: a changelog's is never kept.
* Faust commits past a record that was never acknowledged: when it is the first one
  after the committed offset (an off-by-one), when it lies in a hole the fetcher
  skipped (Faust takes every hole for compaction or transaction markers, which these
  streams never have), and between a revoke and its seek (the committed offset is not
  known then). A commit now covers acknowledged records only, from the committed
  offset (or the partition's start) on, so a record lost inside the worker is handled
  again at the next rebalance, never skipped.

On Apache Kafka the first two are harmless (a fetch reports the same end offset), and
the others mend Faust itself, on any broker.

The transport is also where the wire is counted (see `wire_counts`): the records the
producer is handed, the requests of both clients, and the consumer thread's wake-ups.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import aiokafka
from aiokafka.structs import TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from apps.platform import wire_counts

logger = logging.getLogger(__name__)

#: How much one fetch may bring of a partition when a changelog is read whole (a restore,
#: and the bare read it is measured against): batches of it, not a record at a time.
WHOLE_READ_FETCH_BYTES = 8 * 1024 * 1024
#: How long to wait for the fetch that reveals a partition's true end.
HIGHWATER_FETCH_TIMEOUT_S = 10.0


def side_consumer(app: Any, **options: Any) -> aiokafka.AIOKafkaConsumer:
    """A consumer of `app`'s broker outside its group, with the worker's own TLS/SASL
    settings (see `broker_options`): it reads partitions it is assigned, commits nothing."""
    transport = app.transport
    return aiokafka.AIOKafkaConsumer(
        bootstrap_servers=faust_aiokafka.server_list(transport.url, transport.default_port),
        enable_auto_commit=False,
        request_timeout_ms=int(app.conf.broker_request_timeout * 1000),
        **faust_aiokafka.credentials_to_aiokafka_auth(
            app.conf.broker_credentials, app.conf.ssl_context
        ),
        **options,
    )


async def fetch_highwaters(
    consumer: aiokafka.AIOKafkaConsumer, listed: Mapping[TP, int]
) -> dict[TP, int]:
    """Return each partition's true end offset, given the (possibly low) listed ones.

    A partition listed as empty is empty. For the others, a throw-away consumer
    fetches from `listed - 1`, which is always a stored record, and reads the high
    watermark the broker sends with it.
    """
    result = dict(listed)
    pending = {tp: end for tp, end in listed.items() if end > 0}
    if not pending:
        return result
    await consumer.start()
    try:
        partitions = {tp: TopicPartition(tp.topic, tp.partition) for tp in pending}
        consumer.assign(list(partitions.values()))
        for tp, end in pending.items():
            consumer.seek(partitions[tp], end - 1)
        deadline = asyncio.get_running_loop().time() + HIGHWATER_FETCH_TIMEOUT_S
        while pending and asyncio.get_running_loop().time() < deadline:
            await consumer.getmany(*(partitions[tp] for tp in pending), timeout_ms=200)
            for tp in list(pending):
                highwater = consumer.highwater(partitions[tp])
                if highwater is not None:
                    result[tp] = max(highwater, pending.pop(tp))
        if pending:
            raise TimeoutError(f"could not read the end offset of {sorted(pending)}")
    finally:
        await consumer.stop()
    return result


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """The aiokafka consumer thread with a configurable fetch wait and true highwaters."""

    async def on_start(self) -> None:
        # In the thread, before the consumer starts: every wake-up either way is counted.
        wire_counts.count_wakeups(self.parent_loop, self.thread_loop)
        await super().on_start()

    def _create_worker_consumer(
        self, transport: faust_aiokafka.Transport
    ) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        wire_counts.count_requests(consumer._client, "consumer")
        # The Fetcher is built from this attribute in `start()`; Faust offers no setting.
        consumer._fetch_max_wait_ms = self.app.fetch_pace.wait_ms(time.monotonic())
        return consumer

    async def _fetch_records(
        self, consumer: aiokafka.AIOKafkaConsumer, *args: Any, **kwargs: Any
    ) -> Any:
        records = await super()._fetch_records(consumer, *args, **kwargs)
        pace, now = self.app.fetch_pace, time.monotonic()
        # Read by the fetcher for each fetch it sends (see `fetch_pace`).
        consumer._fetcher._fetch_max_wait_ms = pace.busy(now) if records else pace.wait_ms(now)
        return records

    async def _highwaters(self, partitions: Iterable[TP]) -> Mapping[TP, int]:
        listed = await super()._highwaters(list(partitions))
        if self.consumer.in_transaction:
            return listed
        return await fetch_highwaters(side_consumer(self.app, fetch_max_wait_ms=10), listed)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        return await self.call_thread(self._seek_to_committed_or_start)

    async def _seek_to_committed_or_start(self) -> Mapping[TP, int | None]:
        """Seek every partition to its committed offset, and each stream partition with
        nothing committed to its start; where each now stands (None: a changelog's)."""
        consumer = self._ensure_consumer()
        committed: Mapping[TP, int | None] = await consumer.seek_to_committed()
        # Only the streams' partitions: a changelog is never committed, and a standby
        # sent back to its start would read it all again.
        acked = self.app.topics.acks_enabled_for
        uncommitted = [tp for tp, offset in committed.items() if not offset and acked(tp.topic)]
        if not uncommitted:
            return committed
        starts: Mapping[TP, int] = await consumer.beginning_offsets(uncommitted)
        for tp, start in starts.items():
            consumer.seek(tp, start)
        return {**committed, **starts}


class ReadOffsets(dict[TP, int | None]):
    """Faust's read offsets (per partition, the last record handed on); once a stream
    partition is revoked, only its next seek sets its read offset again.

    Faust drops a fetched record below its partition's read offset as read already. The
    revoke forgets the read offsets, but a fetcher in the middle of handing a record
    over when the revoke stops the flow notes it as read afterwards, while the records
    queued below it were thrown away unhandled; fetched again after the rebalance, they
    were dropped. Now, from a stream partition's revoke until its next seek, its read
    offset is unknown (None) and nothing fetched is dropped: a record may come twice,
    which every handler takes as the repeat it is.

    A changelog's read offset is never kept. The same hand-over across a revoke left a
    changelog partition with a read offset past where the next assignment's recovery
    sought it (Faust's `seek_wait` sets none), so the records in between were dropped
    for good. The recovery passes over a record it has applied already by its own
    offsets.
    """

    def __init__(self, is_stream: Callable[[TP], bool]) -> None:
        super().__init__()
        self._is_stream = is_stream
        self._sought: set[TP] = set()

    def __missing__(self, tp: TP) -> None:
        return None  # as Faust's defaultdict, without keeping the key

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        # A stream partition not sought since its revoke: a fetcher noting a record handed
        # over before it. A changelog: never kept (see above).
        if self._is_stream(tp) and self.sought(tp):
            super().__setitem__(tp, offset)

    def sought(self, tp: TP) -> bool:
        """Whether `tp` was sought since its last revoke (always, for a changelog)."""
        return tp in self._sought or not self._is_stream(tp)

    def revoke(self, partitions: Iterable[TP]) -> None:
        for tp in partitions:
            self._sought.discard(tp)
            self.pop(tp, None)

    def seek(self, positions: Mapping[TP, int | None]) -> None:
        """The partitions were sought to `positions`: the next record read is there."""
        for tp, offset in positions.items():
            self._sought.add(tp)
            self[tp] = offset if offset is not None and offset >= 0 else None


class Consumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, which commits acknowledged records only."""

    _read_offset: ReadOffsets

    def __post_init__(self) -> None:
        super().__post_init__()
        self._read_offset = ReadOffsets(lambda tp: self.app.topics.acks_enabled_for(tp.topic))

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self._read_offset.revoke(revoked)
        await super().on_partitions_revoked(revoked)

    async def perform_seek(self) -> None:
        """Seek each partition to its committed offset (a stream partition with none to
        its start): from there its records are read, and its commits resume."""
        positions = await self.seek_to_committed()
        self._read_offset.seek(positions)
        self._committed_offset.update(
            {tp: offset for tp, offset in positions.items() if offset is not None}
        )

    def _new_offset(self, tp: TP) -> int | None:
        """The offset to commit for `tp`: past acknowledged records only, or none."""
        if not self._read_offset.sought(tp):
            return None  # between its revoke and its seek: where its commit stands is unknown
        acked, committed = self._acked[tp], self._committed_offset[tp]
        if acked and committed is not None and min(acked) > committed:
            return None  # the record at the committed offset is not acknowledged yet
        offset: int | None = super()._new_offset(tp)  # no hole is filled in: see `_add_gap`
        return offset

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        # Faust would count a hole in the offsets fetched as acknowledged, for compaction
        # and transaction markers leave such holes. The streams here have neither, so the
        # records in a hole were skipped, or handed on before a seek: the commit waits
        # until each of them is acknowledged.
        logger.info(
            "%s[%s]: offsets %s to %s came out of order; none is committed unacknowledged",
            tp.topic,
            tp.partition,
            offset_from,
            offset_to - 1,
        )


class Producer(faust_aiokafka.Producer):
    def __post_init__(self) -> None:
        super().__post_init__()
        app = self.app
        kinds = wire_counts.TopicKinds(app.conf.id, app.conf.reply_to_prefix, app.saga_topics)
        #: Every record goes through `send`, table changelogs too (via Faust's buffer).
        self.sent_records = wire_counts.SentRecords(kinds)

    def _new_producer(self, transactional_id: str | None = None) -> aiokafka.AIOKafkaProducer:
        producer = super()._new_producer(transactional_id)
        wire_counts.count_requests(producer.client, "producer")
        return producer

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> Any:
        """Send as Faust does, once the producer's metadata keeps `topic` for good."""
        self._track(topic)
        self.sent_records.count(topic)
        return await super().send(topic, *args, **kwargs)

    def _track(self, topic: str) -> None:
        # aiokafka keeps the topics it tracks in its metadata; naming one also asks the
        # broker to create it if it does not exist (Tansu does), as aiokafka itself would.
        client = self._ensure_producer().client
        if topic not in client._topics:
            client.add_topic(topic)

    async def flush(self) -> None:
        """Send every buffered table write, then wait until the broker has them all."""
        buffer = self.buffer
        while not buffer.pending.empty():
            await buffer._send_pending(buffer.pending.get_nowait())
        await super().flush()

    async def load_metadata(self, topics: Iterable[str]) -> None:
        """Fetch partition metadata for `topics`, so keys can be hashed to partitions."""
        producer = self._ensure_producer()
        for topic in topics:
            self._track(topic)
            await producer.partitions_for(topic)


class Transport(faust_aiokafka.Transport):
    """The aiokafka transport, with the consumer and producer above."""

    Consumer: Any = Consumer
    Producer: Any = Producer
