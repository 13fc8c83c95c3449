"""How a table is rebuilt from its changelog: read in bulk, stored as read, and counted.

Faust restores a table one record at a time: its consumer hands each record through
the conductor, decodes it, queues it, and its recovery loop takes it off the queue,
checks whether recovery has ended, and buffers it for the store's write batch. On this
machine that ran at a tenth of the rate a bare consumer reads the same changelog
(docs/performance.md, "Rebuilding state"). Two things change that, as Kafka Streams
restores its stores (a restore consumer of its own, bytes into the store):

* Before Faust's recovery reads the active partitions, a consumer of their own reads
  them from each store's persisted offset to the changelog's end, and each batch it
  fetches goes into RocksDB as one write batch, with the persisted offsets. Faust then
  finds its tables current, and reads only what came since (nothing, usually). After
  a kill -9 and a restart with the local state intact, only the records past the
  stored offsets are read: the log line and `oms_changelog_records_restored` say how
  many.
* A changelog's records, when Faust reads them (a standby's, or what the bulk read
  left), are handed over as bytes: the store keeps bytes, and the table's codec parses
  a value when it is read, in every version the release knows (docs/evolution.md).

And one thing is mended: Faust's recovery took in changelog records fetched before the
last rebalance (its streams drop those). For a record of a partition it no longer
reads (a standby copy revoked, its records still queued), its loop goes on with the
table of the record before: the record was written into that table, and its offset
stored as the offset of that table's partition of the same number, so a worker that
took the partition over from there would start past rows it lacked. The queue the
recovery reads now hands over only records fetched since the last rebalance
(`CurrentChangelogQueue`). A record it drops is of a partition no longer read here, or
of one the recovery seeks anew after the rebalance and reads again from there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import faust
from aiokafka.structs import ConsumerRecord, TopicPartition
from faust.tables.recovery import Recovery
from faust.types import TP, EventT, Message, TopicT
from mode.utils.queues import ThrowableQueue

from apps.platform import metrics, startup
from apps.platform.dead_letters import DeadLetteringTopic
from apps.platform.transport import WHOLE_READ_FETCH_BYTES, side_consumer

logger = logging.getLogger(__name__)

#: The most a bulk read may take before Faust's own recovery reads the rest: well
#: inside the broker request timeout Faust gives the step it runs in (30 s).
BULK_READ_BUDGET_S = 20.0


class ChangelogTopic(DeadLetteringTopic):
    """A table's changelog: written like any topic (its records labelled with their
    version), its records read as bytes for the store to keep as they are."""

    @classmethod
    def like(cls, made: TopicT) -> ChangelogTopic:
        """The changelog topic Faust `made`, read as bytes (and so every clone of it)."""
        return cls(**made._clone_args())  # type: ignore[attr-defined]

    def _compile_decode(self) -> None:
        # Faust keeps a topic's decoder here, made from its schema on every clone.
        self.decode = self._as_read  # type: ignore[method-assign]

    async def _as_read(self, message: Message, *, propagate: bool = False) -> EventT[Any]:
        return self.app.create_event(message.key, message.value, message.headers, message)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A changelog record as a store's `apply_changelog_batch` reads one: the event
    and its message at once."""

    tp: TP
    offset: int
    key: bytes | None
    value: bytes | None

    @property
    def partition(self) -> int:
        return self.tp.partition

    @property
    def message(self) -> StoredRecord:
        return self


class BulkRecovery(Recovery):  # type: ignore[misc]
    """Faust's recovery, its active partitions read ahead in bulk (see above)."""

    async def _build_offsets(
        self, consumer: Any, tps: set[TP], destination: Counter[TP], title: str
    ) -> None:
        await super()._build_offsets(consumer, tps, destination, title)
        if title == "active":  # the highwaters are known by now; standbys read on as ever
            startup.reached("joined")
            ends = self.active_highwaters
            behind = {tp: ends[tp] for tp in tps if destination[tp] < ends.get(tp, -1)}
            restored = await read_ahead(self.app, self.tp_to_table, behind, destination)
            log_restored(restored, tps, ends)
            startup.reached("restored")


async def read_ahead(
    app: faust.App,
    tables: Mapping[TP, Any],
    ends: Mapping[TP, int],
    offsets: Counter[TP],
) -> Restored:
    """Read each partition of `ends` from past its offset in `offsets` up to its end (the
    last offset) into its table, moving `offsets` on as each write batch lands; what was
    read, and how fast. Each changelog has a consumer of its own: their fetches are
    served side by side, where one consumer waits for each answer before the next."""
    restored = Restored()
    by_topic: dict[str, dict[TP, int]] = {}
    for tp, end in ends.items():
        by_topic.setdefault(tp.topic, {})[tp] = end
    started = time.monotonic()
    readers = [
        (
            side_consumer(
                app, fetch_max_wait_ms=10, max_partition_fetch_bytes=WHOLE_READ_FETCH_BYTES
            ),
            part,
        )
        for part in by_topic.values()
    ]
    try:
        await asyncio.gather(*(_start(reader, part, offsets) for reader, part in readers))
        connected = time.monotonic()
        restored.connect_seconds = connected - started
        deadline = connected + BULK_READ_BUDGET_S
        await asyncio.gather(
            *(_read(reader, tables, part, offsets, restored, deadline) for reader, part in readers)
        )
        restored.seconds = time.monotonic() - connected
    finally:
        await asyncio.gather(*(reader.stop() for reader, _ in readers))
    return restored


async def _start(consumer: Any, ends: Mapping[TP, int], offsets: Counter[TP]) -> None:
    """Start `consumer` on the partitions of `ends`, each at the record past its offset."""
    await consumer.start()
    consumer.assign([TopicPartition(tp.topic, tp.partition) for tp in ends])
    for tp in ends:
        consumer.seek(TopicPartition(tp.topic, tp.partition), offsets[tp] + 1)  # its own is stored


async def _read(
    consumer: Any,
    tables: Mapping[TP, Any],
    ends: Mapping[TP, int],
    offsets: Counter[TP],
    restored: Restored,
    deadline: float,
) -> None:
    """`read_ahead` of the partitions of one changelog, until `deadline`."""
    partitions = {tp: TopicPartition(tp.topic, tp.partition) for tp in ends}
    pending = set(ends)
    while pending and time.monotonic() < deadline:
        fetched = await consumer.getmany(*(partitions[tp] for tp in pending), timeout_ms=200)
        for partition, records in fetched.items():
            tp = TP(partition.topic, partition.partition)
            kept = [r for r in records if r.offset <= ends[tp]]
            if kept:
                tables[tp].apply_changelog_batch(stored(tp, kept))
                offsets[tp] = kept[-1].offset
                restored.count(tables[tp].name, len(kept), sum(_size(r) for r in kept))
            if offsets[tp] >= ends[tp]:
                pending.discard(tp)
        await asyncio.sleep(0)  # the worker's other tasks (its heartbeat) go on
    if pending:
        logger.warning(
            "read ahead for %.0f s; Faust's recovery reads the rest of %s",
            BULK_READ_BUDGET_S,
            ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(pending)),
        )


def stored(tp: TP, records: Iterable[ConsumerRecord]) -> list[StoredRecord]:
    return [StoredRecord(tp, r.offset, r.key, r.value) for r in records]


def _size(record: ConsumerRecord) -> int:
    return len(record.value or b"") + len(record.key or b"")


@dataclass
class Restored:
    """What a bulk read brought into each table."""

    records: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    #: The consumers' start (connection, metadata), then the reading itself, as the bare
    #: read `oms bench --replay` compares it with is timed.
    connect_seconds: float = 0.0
    seconds: float = 0.0

    def count(self, table: str, records: int, size: int) -> None:
        self.records[table] += records
        self.bytes += size
        metrics.CHANGELOG_RECORDS_RESTORED.labels(table).inc(records)


def log_restored(restored: Restored, tps: set[TP], highwaters: Mapping[TP, int]) -> None:
    """One line a recovery: the records read into each table, of how many the changelogs
    hold on the partitions assigned, and how fast."""
    held = sum(max(highwaters.get(tp, -1) + 1, 0) for tp in tps)
    total = sum(restored.records.values())
    rate = total / restored.seconds if restored.seconds else 0.0
    tables = ", ".join(f"{name} {n}" for name, n in sorted(restored.records.items()))
    metrics.RESTORE_SECONDS.set(restored.seconds)
    logger.info(
        "restored %d changelog records of %d on %d partitions (%s) in %.2f s, %.0f records/s, "
        "%.1f MB (and %.2f s to connect)",
        total,
        held,
        len(tps),
        tables or "none behind",
        restored.seconds,
        rate,
        restored.bytes / 1e6,
        restored.connect_seconds,
    )


class CurrentChangelogQueue(ThrowableQueue):  # type: ignore[type-arg]
    """The changelog records for the recovery to apply: only those fetched since the last
    rebalance (see above)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(flow_control=app.flow_control, clear_on_resume=True, **kwargs)
        self.app = app
        #: The generation in which a record was last dropped (each is logged once).
        self._dropped_in: int | None = None

    async def get(self) -> EventT[Any]:
        while True:
            event: EventT[Any] = await super().get()
            if self.is_current(event.message):
                return event
            self._note_dropped(event.message)

    def is_current(self, message: Message) -> bool:
        return bool(message.generation_id == self.app.consumer_generation_id)

    def _note_dropped(self, message: Message) -> None:
        generation = self.app.consumer_generation_id
        if self._dropped_in != generation:
            self._dropped_in = generation
            logger.info(
                "dropped changelog records fetched before rebalance %s (from %s[%s] at %s on); "
                "those of partitions still read here are read again from the recovery's offsets",
                generation,
                message.topic,
                message.partition,
                message.offset,
            )


class BulkTableManager(faust.tables.TableManager):  # type: ignore[misc]
    """Faust's table manager, recovering with `BulkRecovery`, without its first second,
    from a `CurrentChangelogQueue`."""

    async def on_start(self) -> None:
        # Faust sleeps a second first, for tables made late; every table here is made as
        # its app module is imported, before the worker starts (`listed_table`).
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = BulkRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery

    @property
    def changelog_queue(self) -> ThrowableQueue:  # type: ignore[type-arg]
        if self._changelog_queue is None:
            self._changelog_queue = CurrentChangelogQueue(
                self.app, maxsize=self.app.conf.stream_buffer_maxsize
            )
        return self._changelog_queue
