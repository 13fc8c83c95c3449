"""What Faust got wrong at a rebalance, mended: nothing fetched is thrown away or skipped,
and no commit passes a record that was not acknowledged.

The consumer here is the services' own (`apps.platform.transport.Consumer`), run through
Faust's own fetch loop (`_drain_messages` and `getmany`); only what the consumer thread
would fetch from the broker, and where a seek finds the committed offsets, are scripted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord, TopicPartition
from faust.types import TP, Message
from mode.utils.queues import FlowControlQueue

from apps.inventory import app
from apps.platform.app import SteadyFlowControl
from apps.platform.restoring import BulkTableManager
from apps.platform.transport import Consumer, ConsumerThread, ReadOffsets

STREAM = "ORDER.CREATED"
PARTITION = TP(STREAM, 3)
CHANGELOG = TP("inventory-service-products-changelog", 3)
OTHER_CHANGELOG = TP("inventory-service-reservations-changelog", 3)
LAST = TP(CHANGELOG.topic, 7)


async def test_a_resume_after_a_suspension_empties_the_stream_buffers() -> None:
    flow = SteadyFlowControl()
    buffer: FlowControlQueue[str] = FlowControlQueue(flow_control=flow, clear_on_resume=True)
    buffer.put_nowait("fetched before the rebalance")

    flow.resume()

    assert buffer.empty()


async def test_a_second_resume_keeps_what_was_fetched_since_the_first() -> None:
    flow = SteadyFlowControl()
    buffer: FlowControlQueue[str] = FlowControlQueue(flow_control=flow, clear_on_resume=True)
    flow.resume()
    buffer.put_nowait("fetched for the new assignment")

    flow.resume()

    assert buffer.get_nowait() == "fetched for the new assignment"


def read_offsets() -> ReadOffsets:
    return ReadOffsets(lambda tp: tp.topic == STREAM)


def test_a_read_offset_noted_after_its_partitions_revoke_is_not_believed() -> None:
    offsets = read_offsets()
    offsets.seek({PARTITION: 10})
    offsets.revoke([PARTITION])

    # the fetcher, in the middle of handing record 12 over when the flow stopped
    offsets[PARTITION] = 12

    assert offsets[PARTITION] is None and not offsets.sought(PARTITION)


def test_a_seek_sets_the_read_offset_and_the_fetcher_moves_it_on() -> None:
    offsets = read_offsets()

    offsets.seek({PARTITION: 10})
    offsets[PARTITION] = 11

    assert offsets[PARTITION] == 11 and offsets.sought(PARTITION)


def test_a_changelogs_read_offset_is_never_kept() -> None:
    offsets = read_offsets()

    offsets[CHANGELOG] = 7
    offsets.seek({CHANGELOG: 3})

    assert offsets[CHANGELOG] is None and offsets.sought(CHANGELOG)


async def test_changelog_records_below_one_handed_over_across_a_revoke_are_read_after_it(
    consumer: Consumer,
) -> None:
    """A standby copy's records after a new assignment's seek are all handed on, whatever
    the fetcher noted while the revoke stopped the flow (they were dropped for good)."""
    handed: list[int] = []
    batches: asyncio.Queue[list[int]] = asyncio.Queue()
    asked_for_more = asyncio.Event()

    async def deliver(message: Any) -> None:
        handed.append(message.offset)

    async def getmany(active_partitions: Any, timeout: float) -> dict[TP, list[Any]]:  # noqa: ASYNC109 - Faust names it
        if batches.empty():
            asked_for_more.set()
        offsets = await batches.get()
        return {CHANGELOG: [record(offset, CHANGELOG) for offset in offsets]}

    consumer.callback = deliver
    consumer._getmany = getmany  # type: ignore[method-assign]
    consumer.highwater = lambda tp: 1000  # type: ignore[method-assign]
    await consumer.on_partitions_revoked({CHANGELOG})
    consumer._read_offset[CHANGELOG] = 263  # the fetcher, done handing 263 over
    await consumer.on_partitions_assigned({CHANGELOG})
    consumer.resume_flow()
    fetcher = SimpleNamespace(_stopped=asyncio.Event())
    drain = asyncio.ensure_future(consumer._drain_messages(fetcher))
    try:
        batches.put_nowait([135, 136, 137, 138, 139])  # read again from the stored offset
        asked_for_more.clear()
        await asyncio.wait_for(asked_for_more.wait(), 10)
    finally:
        fetcher._stopped.set()
        consumer.stop_flow()
        drain.cancel()

    assert handed == [135, 136, 137, 138, 139]


class Fetches:
    """What the consumer thread would fetch, batch by batch, and where a seek lands."""

    def __init__(self, committed: int) -> None:
        self.committed = committed
        self.batches: asyncio.Queue[list[int]] = asyncio.Queue()
        #: Set while the fetch loop asks for a batch and none is left.
        self.asked_for_more = asyncio.Event()

    def fetch(self, *offsets: int) -> None:
        self.asked_for_more.clear()
        self.batches.put_nowait(list(offsets))

    async def handed_on(self) -> None:
        """Once the fetch loop has done with every batch and asks for the next."""
        await self.asked_for_more.wait()

    async def getmany(self, active_partitions: Any, timeout: float) -> dict[TP, list[Any]]:  # noqa: ASYNC109 - Faust names it
        if self.batches.empty():
            self.asked_for_more.set()
        offsets = await self.batches.get()
        return {PARTITION: [record(offset) for offset in offsets]}

    async def seek_to_committed(self) -> dict[TP, int]:
        return {PARTITION: self.committed}


def record(offset: int, tp: TP = PARTITION) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=tp.topic,
        partition=tp.partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b'"o-1"',
        value=b"{}",
        checksum=None,
        serialized_key_size=5,
        serialized_value_size=2,
        headers=(),
    )


class Agents:
    """The streams a record is handed to: a buffer that may be full, emptied at a revoke."""

    def __init__(self) -> None:
        self.buffered: list[Any] = []
        self.handled: set[int] = set()
        self.full_at: int | None = None
        self.blocked = asyncio.Event()

    async def deliver(self, message: Any) -> None:
        if message.offset == self.full_at:
            self.full_at = None
            self.blocked.set()
            await asyncio.Future()  # until the revoke stops the flow
        self.buffered.append(message)

    def handle_all(self, consumer: Consumer) -> None:
        for message in self.buffered:
            self.handled.add(message.offset)
            consumer.ack(message)
        self.buffered.clear()


@pytest.fixture
async def consumer(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Consumer]:
    """The services' consumer, not started: partitions of STREAM are acknowledged."""
    monkeypatch.setattr(app.topics, "acks_enabled_for", lambda topic: topic == STREAM)

    async def rebalanced(*args: Any) -> None:
        pass

    consumer = Consumer(
        app.transport,
        callback=lambda message: asyncio.sleep(0),
        on_partitions_revoked=rebalanced,
        on_partitions_assigned=rebalanced,
        loop=asyncio.get_running_loop(),
    )
    yield consumer
    consumer._thread.thread_loop.close()  # made with the consumer, never started


def committable(consumer: Consumer) -> int | None:
    """The offset a commit of PARTITION would send now, if any."""
    return consumer._filter_committable_offsets([PARTITION]).get(PARTITION)


async def sought(consumer: Consumer, committed: int) -> Consumer:
    consumer.seek_to_committed = Fetches(committed).seek_to_committed  # type: ignore[method-assign]
    await consumer.perform_seek()
    return consumer


async def test_records_thrown_away_at_a_revoke_are_handled_after_it_and_none_is_committed_unhandled(
    consumer: Consumer,
) -> None:
    fetches, agents = Fetches(committed=10), Agents()
    fetcher = SimpleNamespace(_stopped=asyncio.Event())
    consumer.callback = agents.deliver
    consumer._getmany = fetches.getmany  # type: ignore[method-assign]
    consumer.seek_to_committed = fetches.seek_to_committed  # type: ignore[method-assign]
    consumer.highwater = lambda tp: 100  # type: ignore[method-assign]
    await consumer.on_partitions_assigned({PARTITION})
    await consumer.perform_seek()
    drain = asyncio.ensure_future(consumer._drain_messages(fetcher))
    try:
        # 10 and 11 wait in the agents' buffer, the buffer is full when 12 comes ...
        agents.full_at = 12
        fetches.fetch(10, 11, 12, 13)
        await agents.blocked.wait()
        # ... and the revoke stops the flow and empties the buffers, as Faust's app does.
        consumer.stop_flow()
        agents.buffered.clear()
        await consumer.on_partitions_revoked({PARTITION})
        # The partition comes back: fetched again from the committed offset while the
        # changelogs are read, then sought, then read on.
        await consumer.on_partitions_assigned({PARTITION})
        consumer.resume_flow()
        fetches.fetch(10, 11, 12, 13)
        await fetches.handed_on()
        await consumer.perform_seek()
        fetches.fetch(14, 15)
        await fetches.handed_on()
        agents.handle_all(consumer)

        offset = committable(consumer)
    finally:
        fetcher._stopped.set()
        consumer.stop_flow()
        drain.cancel()

    assert offset is not None
    assert set(range(fetches.committed, offset)) <= agents.handled  # none committed unhandled
    assert offset == 16  # and every record handled


async def test_no_offset_is_committed_past_a_record_not_yet_acknowledged(
    consumer: Consumer,
) -> None:
    await sought(consumer, committed=4)
    # the record at offset 4 was lost on the way
    acknowledge(consumer, 5, 6, 7)

    assert committable(consumer) is None


async def test_acknowledged_records_from_the_committed_offset_on_are_committed(
    consumer: Consumer,
) -> None:
    await sought(consumer, committed=4)
    acknowledge(consumer, 4, 5, 7)

    assert committable(consumer) == 6


async def test_a_hole_the_fetcher_skipped_is_not_committed_as_acknowledged(
    consumer: Consumer,
) -> None:
    await sought(consumer, committed=10)
    acknowledge(consumer, 10, 14, 15)

    await consumer._add_gap(PARTITION, 11, 14)  # 11 to 13 never reached an agent

    assert committable(consumer) == 11
    consumer._committed_offset[PARTITION] = 11
    assert committable(consumer) is None


async def test_nothing_is_committed_between_a_revoke_and_the_seek_after_it(
    consumer: Consumer,
) -> None:
    await sought(consumer, committed=10)
    await consumer.on_partitions_revoked({PARTITION})
    # an agent ends a record after the revoke, or the records were fetched before the seek
    acknowledge(consumer, 10, 11)

    assert committable(consumer) is None
    await sought(consumer, committed=10)
    assert committable(consumer) == 12


async def test_a_partition_with_nothing_committed_commits_from_its_first_record(
    consumer: Consumer,
) -> None:
    await sought(consumer, committed=0)  # its start, where the seek sent it
    acknowledge(consumer, 1, 2)

    assert committable(consumer) is None
    acknowledge(consumer, 0)
    assert committable(consumer) == 3


def acknowledge(consumer: Consumer, *offsets: int) -> None:
    for offset in offsets:
        consumer.ack(consumer._to_message(PARTITION, record(offset)))


class SeekRecorder:
    """An aiokafka consumer as far as seeking goes: offsets committed, seeks made."""

    def __init__(self, committed: dict[TopicPartition, int | None], start: int) -> None:
        self.committed = committed
        self.start = start
        self.sought: dict[TopicPartition, int] = {}

    async def seek_to_committed(self) -> dict[TopicPartition, int | None]:
        return self.committed

    async def beginning_offsets(self, partitions: Iterable[TopicPartition]) -> dict[Any, int]:
        return {tp: self.start for tp in partitions}

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.sought[partition] = offset


async def test_stream_partitions_with_nothing_committed_go_back_to_their_start() -> None:
    never, at_zero, at_five = (TopicPartition(STREAM, n) for n in range(3))
    changelog = TopicPartition(CHANGELOG.topic, 0)
    recorder = SeekRecorder({never: None, at_zero: 0, at_five: 5, changelog: None}, start=2)
    thread = SimpleNamespace(
        _ensure_consumer=lambda: recorder,
        app=SimpleNamespace(topics=SimpleNamespace(acks_enabled_for=lambda t: t == STREAM)),
    )

    positions = await ConsumerThread._seek_to_committed_or_start(thread)  # type: ignore[arg-type]

    assert recorder.sought == {never: 2, at_zero: 2}
    assert positions == {never: 2, at_zero: 2, at_five: 5, changelog: None}


class Store:
    """A table's store as Faust's recovery writes it: the records, and the offset stored
    for each partition (by its number alone, as Faust's RocksDB store keeps it)."""

    recovery_buffer_size = standby_buffer_size = 1

    def __init__(self) -> None:
        self.applied: list[tuple[str, int]] = []
        self.stored: dict[int, int] = {}
        self.written = asyncio.Event()

    def apply_changelog_batch(self, events: Iterable[Any]) -> None:
        for event in events:
            tp, offset = event.message.tp, event.message.offset
            self.applied.append((tp.topic, offset))
            self.stored[tp.partition] = offset
        self.written.set()

    async def on_changelog_event(self, event: Any) -> None:
        pass


def changelog_event(offset: int, generation: int, tp: TP = CHANGELOG) -> Any:
    message = Message(
        tp.topic, tp.partition, offset, 0.0, 0, [], b'"p-1"', b"{}", None, 5, 2, tp,
        generation_id=generation,
    )  # fmt: skip
    return app.create_event(message.key, message.value, message.headers, message)


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> BulkTableManager:
    """A table manager in generation 7 of its group, its recovery not started."""
    monkeypatch.setattr(app, "consumer_generation_id", 7)
    return BulkTableManager(app, beacon=app.beacon)


async def test_a_changelog_record_of_a_partition_revoked_is_not_written_into_another_table(
    tables: BulkTableManager,
) -> None:
    """Faust's recovery went on with the table of the record before, for a record of a
    partition it no longer reads (a standby copy revoked, its records still queued): the
    record was written into that table, and its offset stored as the offset of that
    table's partition of the same number. Whoever took that partition over from there
    started past rows it lacked."""
    recovery, store, last = tables.recovery, Store(), Store()
    recovery.tp_to_table.update({CHANGELOG: store, LAST: last})
    recovery.active_tps.update({CHANGELOG, LAST})
    recovery.active_offsets.update({CHANGELOG: 134, LAST: 0})
    recovery.active_highwaters.update({CHANGELOG: 139, LAST: 1})
    recovery.buffer_sizes[OTHER_CHANGELOG] = 1  # read here as a standby until this rebalance
    queue = tables.changelog_queue
    for offset in range(135, 140):
        queue.put_nowait(changelog_event(offset, generation=7))
    queue.put_nowait(changelog_event(263, generation=6, tp=OTHER_CHANGELOG))
    queue.put_nowait(changelog_event(1, generation=7, tp=LAST))  # and then another table's

    slurp = asyncio.ensure_future(recovery._slurp_changelogs(recovery))
    try:
        await asyncio.wait_for(last.written.wait(), 10)
    finally:
        slurp.cancel()

    assert store.applied == [(CHANGELOG.topic, offset) for offset in range(135, 140)]
    assert store.stored == {CHANGELOG.partition: 139}


async def test_a_changelog_record_fetched_before_the_last_rebalance_is_not_handed_over(
    tables: BulkTableManager,
) -> None:
    """Even of a partition still read here: the recovery seeks each partition it reads
    anew after a rebalance, from its own offsets, and reads it again from there."""
    tables.recovery.standby_tps.add(CHANGELOG)
    queue = tables.changelog_queue
    queue.put_nowait(changelog_event(40, generation=6))
    queue.put_nowait(changelog_event(38, generation=7))

    event = await asyncio.wait_for(queue.get(), 10)

    assert (event.message.offset, queue.empty()) == (38, True)
