"""The wire counts of a real order worker on a real broker: one order placed shows on its
/metrics as the records it sent, by kind, and as the requests and wake-ups behind them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import Worker, poll

ORDER = {"customer_id": "c-1", "items": [{"product_id": "p-1", "quantity": 1}]}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def orders(start_worker: Callable[..., Worker]) -> Worker:
    """An order worker alone: its saga goes no further than ORDER.CREATED."""
    return start_worker("order").wait_ready()


def scraped(worker: Worker) -> Samples:
    with urlopen(f"{worker.url}/metrics", timeout=60) as reply:
        text = reply.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def summed(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(
        value for (found, have), value in samples.items() if found == name and wanted <= have
    )


def records(samples: Samples) -> dict[str, float]:
    """Records sent so far, by kind."""
    kinds = ("saga_event", "changelog", "reply", "internal")
    return {kind: summed(samples, "oms_records_sent_total", kind=kind) for kind in kinds}


def test_an_order_is_counted_as_the_records_it_sent_by_kind(orders: Worker) -> None:
    before = scraped(orders)

    placed = orders.post("/orders", ORDER, headers={"Idempotency-Key": "wire-1"})

    assert placed.status == 201, placed.body
    expected = {
        "saga_event": 1.0,  # ORDER.CREATED
        "changelog": 1.0,  # the order, PENDING
        "reply": 0.0,  # the view waits in this worker: answered in-process, never sent
        "internal": 1.0,  # the command on order.commands
    }

    def grown() -> dict[str, float]:
        now, then = records(scraped(orders)), records(before)
        return {kind: now[kind] - then[kind] for kind in now}

    poll(lambda: grown() == expected, f"the order's records counted as {expected}")
    after = scraped(orders)
    assert (
        summed(after, "oms_records_sent_total", topic="ORDER.CREATED")
        - summed(before, "oms_records_sent_total", topic="ORDER.CREATED")
        == 1
    )
    assert summed(after, "oms_records_sent_total", topic="order-service-orders-changelog") > 0


def test_the_requests_and_wake_ups_behind_an_order_are_counted(orders: Worker) -> None:
    before = scraped(orders)

    orders.post("/orders", ORDER, headers={"Idempotency-Key": "wire-2"})

    poll(
        lambda: (
            summed(scraped(orders), "oms_kafka_requests_total", api="Produce")
            > summed(before, "oms_kafka_requests_total", api="Produce")
        ),
        "a produce request counted",
    )
    after = scraped(orders)
    assert summed(after, "oms_kafka_requests_total", client="consumer", api="Fetch") > 0
    assert summed(after, "oms_kafka_requests_total", client="consumer", api="JoinGroup") > 0
    assert summed(after, "oms_kafka_empty_fetches_total") <= summed(
        after, "oms_kafka_requests_total", api="Fetch"
    )
    assert summed(after, "oms_cross_thread_wakeups_total", path="consumer_to_main") > 0
    assert summed(after, "oms_cross_thread_wakeups_total", path="main_to_consumer") > 0
