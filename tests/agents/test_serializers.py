"""The services read and write their topics and tables with the `model` codec."""

from __future__ import annotations

from apps.inventory.app import reservations, stock
from apps.order.app import order_inputs_topic, orders


def test_a_service_s_topics_and_tables_are_read_and_written_by_the_model_codec() -> None:
    assert order_inputs_topic.value_serializer == "model"
    for table in (orders, stock, reservations):
        assert table.value_serializer == table.changelog_topic.value_serializer == "model"
