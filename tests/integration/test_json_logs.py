"""OMS_LOG_FORMAT=json on a real order worker: every line it writes is a JSON object, and
the lines written while it handles an order's command name that order and the record."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import topics
from tests.integration.conftest import PARTITIONS
from tests.processes import Worker, partition_of, poll

ORDER = {"customer_id": "c-1", "items": [{"product_id": "p-1", "quantity": 1}]}


@pytest.fixture(scope="module")
def orders(start_worker: Callable[..., Worker]) -> Worker:
    # At debug an order's every step is logged, not only its outcome: placing it is too.
    return start_worker("order", OMS_LOG_FORMAT="json", OMS_LOG_LEVEL="debug").wait_ready()


def parsed(line: str) -> dict[str, Any] | None:
    """The JSON object on `line`, or None if it holds anything else."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def written(worker: Worker) -> list[str]:
    return [line for line in worker.log.read_text().splitlines() if line.strip()]


def naming(order_id: str, worker: Worker) -> list[dict[str, Any]]:
    objects = (parsed(line) for line in written(worker) if order_id in line)
    return [line for line in objects if line is not None and line.get("order_id") == order_id]


def test_every_line_is_json_and_a_placed_order_is_named_with_its_record(orders: Worker) -> None:
    placed = orders.post("/orders", ORDER)
    assert placed.status == 201, placed.body
    order_id = placed.body["id"]

    poll(lambda: bool(naming(order_id, orders)), f"a log line naming {order_id}")

    lines = written(orders)
    assert [line for line in lines if parsed(line) is None] == []
    fields = {"time", "level", "logger", "service", "message"}
    assert all(fields <= (parsed(line) or {}).keys() for line in lines)
    line = naming(order_id, orders)[0]
    assert (line["service"], line["event"]) == ("order", "PlaceOrder")
    assert line["topic"] == topics.ORDER_COMMANDS.name
    assert line["partition"] == partition_of(order_id, int(PARTITIONS))
    assert isinstance(line["offset"], int) and line["offset"] >= 0
