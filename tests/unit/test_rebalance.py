"""What Faust got wrong at a rebalance, mended: nothing fetched is thrown away or skipped."""

from __future__ import annotations

from faust.types import TP
from mode.utils.queues import FlowControlQueue

from apps.inventory import app
from apps.runtime import SteadyFlowControl

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


async def test_no_offset_is_committed_past_a_record_not_yet_acknowledged() -> None:
    consumer = app.consumer
    consumer._committed_offset[PARTITION] = 4
    consumer._acked[PARTITION] = [5, 6, 7]  # the record at offset 4 was lost on the way

    assert consumer._new_offset(PARTITION) is None


async def test_acknowledged_records_from_the_committed_offset_on_are_committed() -> None:
    consumer = app.consumer
    consumer._committed_offset[PARTITION] = 4
    consumer._acked[PARTITION] = [4, 5, 7]

    assert consumer._new_offset(PARTITION) == 6
