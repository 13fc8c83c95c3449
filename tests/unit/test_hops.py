"""The hops a record carries and an order keeps: the path of records that led to each step."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from apps.platform import hops
from apps.platform.event_context import handling
from tests.unit.test_record_versions import an_order


@dataclass
class Message:
    headers: Any = field(default_factory=list)
    timestamp: float = field(default_factory=time.time)
    topic: str = "order.events"
    partition: int = 0
    offset: int = 7


@dataclass
class Event:
    value: Any
    message: Message


def received(record_type: str, header: dict[str, bytes] | None = None) -> Event:
    return Event({"type": record_type, "order_id": "o-1"}, Message(list((header or {}).items())))


def test_a_record_sent_while_handling_carries_the_hops_before_it_and_this_one() -> None:
    before = [["order", "PlaceOrder", 1_764_999_999_990, 1_764_999_999_995, 3]]
    created = received("ORDER.CREATED", {hops.HEADER: json.dumps(before).encode()})
    with handling(created):
        header = hops.outgoing("inventory")
    rows = json.loads(header[hops.HEADER])

    assert rows[0] == before[0]
    service, record, written_ms, handled_ms, took_ms = rows[1]
    assert (service, record) == ("inventory", "ORDER.CREATED")
    assert written_ms == int(created.message.timestamp * 1000) <= handled_ms and took_ms >= 0


def test_a_record_sent_outside_a_handler_starts_a_chain() -> None:
    assert hops.outgoing("order") == {}


def test_a_header_that_does_not_read_is_ignored() -> None:
    assert hops.carried([(hops.HEADER, b"not json")]) == []
    assert hops.carried([(hops.HEADER, b'[["too", "short"]]')]) == []
    assert hops.carried(None) == []


def test_an_order_keeps_each_hop_of_its_path_once_with_the_steps_they_made() -> None:
    with handling(received("PlaceOrder")):
        placed = hops.recorded(an_order(), "order", "PENDING")
        created = hops.outgoing("order")  # ORDER.CREATED, to inventory
    with handling(received("ORDER.CREATED", created)):
        reserved = hops.outgoing("inventory")  # INVENTORY.RESERVED, back to the order
    with handling(received("INVENTORY.RESERVED", reserved)):
        order = hops.recorded(placed, "order", "RESERVED")

    assert [(hop.service, hop.record, hop.step) for hop in order.timeline] == [
        ("order", "PlaceOrder", "PENDING"),
        ("inventory", "ORDER.CREATED", None),
        ("order", "INVENTORY.RESERVED", "RESERVED"),
    ]
    assert all(hop.waited_ms >= 0 and hop.took_ms >= 0 for hop in order.timeline)


def test_an_order_keeps_its_newest_hops_only_up_to_the_bound() -> None:
    order = an_order()
    for n in range(hops.MAX_HOPS + 5):
        with handling(received(f"R{n}")):
            order = hops.recorded(order, "order", None)

    assert len(order.timeline) == hops.MAX_HOPS
    assert order.timeline[-1].record == f"R{hops.MAX_HOPS + 4}"


def test_a_value_without_a_timeline_is_left_as_it_is() -> None:
    hop = hops.hop_of(("order", "PlaceOrder", 1, 2, 3))
    with handling(received("X")):
        assert hops.recorded(hop, "order", None) is hop


def test_a_header_of_another_shape_starts_the_chain_again() -> None:
    with handling(received("ORDER.CREATED", {hops.HEADER: b'{"not": "a chain"}'})):
        rows = json.loads(hops.outgoing("inventory")[hops.HEADER])

    assert [row[:2] for row in rows] == [["inventory", "ORDER.CREATED"]]


def test_a_chain_grown_past_its_bound_keeps_its_newest_hops() -> None:
    long = [["order", f"R{n}", 1, 2, 3] for n in range(200)]
    with handling(received("ORDER.CREATED", {hops.HEADER: json.dumps(long).encode()})):
        rows = json.loads(hops.outgoing("inventory")[hops.HEADER])

    assert len(rows) == hops.MAX_HOPS
    assert rows[-2] == long[-1] and rows[-1][:2] == ["inventory", "ORDER.CREATED"]
