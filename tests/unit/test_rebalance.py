"""What Faust got wrong at a rebalance, mended: nothing fetched is thrown away or skipped."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiokafka.structs import TopicPartition
from faust.types import TP
from mode.utils.queues import FlowControlQueue

from apps.inventory import app
from apps.platform.app import SteadyFlowControl
from apps.platform.transport import ConsumerThread

PARTITION = TP("ORDER.CREATED", 3)


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


async def test_no_offset_is_committed_past_a_record_not_yet_acknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer = app.consumer
    monkeypatch.setitem(consumer._committed_offset, PARTITION, 4)
    # the record at offset 4 was lost on the way
    monkeypatch.setitem(consumer._acked, PARTITION, [5, 6, 7])

    assert consumer._new_offset(PARTITION) is None


async def test_acknowledged_records_from_the_committed_offset_on_are_committed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer = app.consumer
    monkeypatch.setitem(consumer._committed_offset, PARTITION, 4)
    monkeypatch.setitem(consumer._acked, PARTITION, [4, 5, 7])

    assert consumer._new_offset(PARTITION) == 6


class SeekRecorder:
    """An aiokafka consumer as far as seeking goes: offsets committed, seeks made."""

    def __init__(self, committed: dict[TopicPartition, int | None]) -> None:
        self.committed = committed
        self.sent_to_start: list[TopicPartition] = []

    async def seek_to_committed(self) -> dict[TopicPartition, int | None]:
        return self.committed

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.sent_to_start += partitions


async def test_stream_partitions_with_nothing_committed_go_back_to_their_start() -> None:
    never, at_zero, at_five = (TopicPartition("ORDER.CREATED", n) for n in range(3))
    changelog = TopicPartition("order-service-orders-changelog", 0)
    recorder = SeekRecorder({never: None, at_zero: 0, at_five: 5, changelog: None})
    thread = SimpleNamespace(
        _ensure_consumer=lambda: recorder,
        app=SimpleNamespace(topics=SimpleNamespace(acks_enabled_for=lambda t: t == never.topic)),
    )

    committed = await ConsumerThread._seek_to_committed_or_start(thread)  # type: ignore[arg-type]

    assert recorder.sent_to_start == [never, at_zero]
    assert committed == recorder.committed
