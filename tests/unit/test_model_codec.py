"""The `model` codec: a model to its JSON and back in one pass, readable both ways with
Faust's `json` codec (what was stored before it)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from faust.exceptions import ValueDecodeError
from faust.serializers.registry import Registry

import topics
from models.events import InventoryReserved, PricedLine
from models.orders import Order
from models.versions import wire_type
from tests.unit.values import NOW, an_order

REGISTRY = Registry(key_serializer="json", value_serializer="json")
RESERVED = InventoryReserved(
    event_id="e-1",
    order_id="o-1",
    occurred_at=NOW,
    items=(PricedLine(product_id="a", quantity=2, unit_price=Decimal("5.00")),),
    amount=Decimal("10.00"),
)


def test_a_table_value_comes_back_as_it_was_written() -> None:
    order = an_order(amount=Decimal("19.90"))
    written = REGISTRY.dumps_value(Order, order, serializer="model")
    assert REGISTRY.loads_value(Order, written, serializer="model") == order


def test_the_model_codec_writes_the_json_the_json_codec_wrote() -> None:
    order = an_order(amount=Decimal("19.90"))
    by_model = REGISTRY.dumps_value(Order, order, serializer="model")
    by_json = REGISTRY.dumps_value(Order, order, serializer="json")
    assert json.loads(by_model) == json.loads(by_json)


def test_a_value_stored_by_the_json_codec_reads_back_through_the_model_codec() -> None:
    order = an_order(amount=Decimal("19.90"))
    stored = REGISTRY.dumps_value(Order, order, serializer="json")
    assert REGISTRY.loads_value(Order, stored, serializer="model") == order


def test_a_record_on_a_topic_of_several_types_is_read_as_the_type_it_names() -> None:
    wire = wire_type(topics.ORDER_CREATED.value | topics.INVENTORY_RESERVED.value, "Both")
    written = REGISTRY.dumps_value(wire, RESERVED, serializer="model")
    assert REGISTRY.loads_value(wire, written, serializer="model") == RESERVED


@pytest.mark.parametrize("payload", [b"not json", b'{"id": "o-1"}', b"[]"])
def test_a_payload_that_is_not_the_value_type_is_faust_s_value_decode_error(
    payload: bytes,
) -> None:
    with pytest.raises(ValueDecodeError):
        REGISTRY.loads_value(Order, payload, serializer="model")
