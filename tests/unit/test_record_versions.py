"""Records of every version read as today's: labelled on write, upcast, tolerant, refused
with the version named when they cannot be read (models/versions.py, record_schema.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from faust.agents.replies import ReqRepResponse
from faust.exceptions import ValueDecodeError
from faust.serializers.registry import Registry
from faust.types import Message
from pydantic import ValidationError

import topics
from apps.platform.record_schema import RecordSchema, header_value
from models.actors import UNKNOWN_CALLER
from models.orders import NewOrder, Order, OrderReply, PlaceOrder
from models.payments import ChangePaymentStatus
from models.versions import HEADER, parse_label, wire_type
from tests.unit.values import CUSTOMER, NOW, an_order

APP = SimpleNamespace(serializers=Registry(key_serializer="json", value_serializer="json"))
ORDER_COMMANDS = topics.ORDER_COMMANDS.wire()


def a_place_order() -> PlaceOrder:
    body = NewOrder.model_validate(
        {"customer_id": "c-1", "items": [{"product_id": "p1", "quantity": 1}]}
    )
    return PlaceOrder(
        command_id="k",
        order_id="o-1",
        order=body,
        fingerprint="f",
        issued_at=NOW,
        requested_by=CUSTOMER,
    )


def received(value: Any, header: str | None, value_type: Any = ORDER_COMMANDS) -> Any:
    """What a topic of `value_type` reads from a record of `value` with `header`."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    headers = [] if header is None else [(HEADER, header.encode())]
    message = Message("t", 0, 0, 0.0, 0, headers, b'"k"', raw, None)
    return RecordSchema(value_type=value_type).loads_value(APP, message)


def test_every_record_written_is_labelled_with_its_schema_and_version() -> None:
    _, headers = RecordSchema(value_type=ORDER_COMMANDS, value_serializer="model").dumps_value(
        APP, a_place_order(), headers=None
    )
    assert header_value(headers, HEADER) == b"PlaceOrder.v2"


def test_a_label_joins_the_headers_a_record_already_has() -> None:
    _, headers = RecordSchema(value_type=Order, value_serializer="model").dumps_value(
        APP, an_order(), headers={"oms-reply-to": b"r"}
    )
    assert headers == {"oms-reply-to": b"r", HEADER: b"Order.v2"}


def test_a_reply_is_labelled_with_the_answer_it_carries() -> None:
    reply = ReqRepResponse(key=None, value=OrderReply(order=an_order()), correlation_id="c")
    _, headers = RecordSchema().dumps_value(APP, reply, headers=None)
    assert header_value(headers, HEADER) == b"OrderReply.v2"


def test_a_record_reads_with_the_fields_a_newer_writer_added_ignored() -> None:
    written = {**a_place_order().model_dump(mode="json"), "channel": "web"}
    written["order"]["gift_wrap"] = True
    assert received(written, "PlaceOrder.v2") == a_place_order()


def test_a_table_value_reads_with_the_fields_a_newer_writer_added_ignored() -> None:
    written = {**an_order().model_dump(mode="json"), "priority": "high"}
    assert received(written, "Order.v1", value_type=Order) == an_order()


def test_a_request_body_stays_strict_about_unknown_fields() -> None:
    body = {"customer_id": "c-1", "items": [{"product_id": "p1", "quantity": 1}], "x": 1}
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        NewOrder.model_validate(body)


def test_a_command_written_before_versions_says_who_asked_when_it_knew() -> None:
    written = a_place_order().model_dump(mode="json")  # as 0.1.0 wrote it: no header
    assert received(written, None) == a_place_order()


def test_a_command_from_before_who_asked_was_recorded_says_the_caller_is_not_known() -> None:
    written = a_place_order().model_dump(mode="json")
    del written["requested_by"]
    command = received(written, None)
    assert command.requested_by.sub == UNKNOWN_CALLER
    assert command.requested_by.role == "customer"


@pytest.mark.parametrize(("status", "role"), [("COMPLETED", "processor"), ("REFUNDED", "operator")])
def test_an_old_status_change_is_said_to_come_from_the_least_role_that_may_send_it(
    status: str, role: str
) -> None:
    written = {"type": "ChangePaymentStatus", "order_id": "o-1", "status": status}
    command = received(written, "ChangePaymentStatus.v1", topics.PAYMENT_COMMANDS.wire())
    assert isinstance(command, ChangePaymentStatus)
    assert command.requested_by.sub == UNKNOWN_CALLER
    assert command.requested_by.role == role


def test_a_newer_version_that_still_reads_as_today_s_is_read() -> None:
    written = {**a_place_order().model_dump(mode="json"), "channel": "web"}
    assert received(written, "PlaceOrder.v3") == a_place_order()


def test_a_newer_version_that_does_not_read_is_refused_naming_both_versions() -> None:
    written = {**a_place_order().model_dump(mode="json"), "issued_at": {"epoch": 1}}
    with pytest.raises(ValueDecodeError, match=r"PlaceOrder\.v3 is newer than this reader knows"):
        received(written, "PlaceOrder.v3")


def test_a_record_of_a_type_the_topic_does_not_carry_is_refused_naming_it() -> None:
    with pytest.raises(ValueDecodeError, match=r"ShipOrder\.v1 is not a record this reader"):
        received({"type": "ShipOrder", "order_id": "o-1"}, "ShipOrder.v1")


def test_a_step_without_an_upcaster_reads_as_it_is() -> None:
    class Twice(PlaceOrder):
        schema_version = 3  # no upcaster from 2: a compatible step, as the gate holds

    written = a_place_order().model_dump(mode="json")
    del written["requested_by"]
    read = wire_type(Twice, "Twice").reader.read(json.dumps(written), "Twice.v1")
    assert read.requested_by.sub == UNKNOWN_CALLER  # version 1's upcaster, then as it is


@pytest.mark.parametrize("header", ["", "PlaceOrder", "PlaceOrder.vx", ".v2"])
def test_a_header_that_is_not_a_label_is_read_as_none(header: str) -> None:
    assert parse_label(header) is None


def test_a_record_without_a_value_a_deleted_key_reads_as_none() -> None:
    message = Message("t", 0, 0, 0.0, 0, [], b'"k"', None, None)
    assert RecordSchema(value_type=Order).loads_value(APP, message) is None
