"""Each worker's `/metrics`: the counters move as the saga goes through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import System, running_system
from tests.processes import Worker, poll


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of its own: nothing left over from other tests moves its counters."""
    with running_system(tmp_path_factory) as system:
        yield system


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scraped(worker: Worker) -> Samples:
    """Every sample the worker's /metrics shows: by name and labels."""
    with urlopen(f"{worker.url}/metrics", timeout=60) as reply:
        assert reply.headers.get_content_type() == "text/plain"
        text = reply.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def handled(worker: Worker) -> dict[str, float]:
    """Events handled by the worker's agents so far, by topic."""
    return {
        dict(labels)["topic"]: value
        for (name, labels), value in scraped(worker).items()
        if name == "oms_events_handled_total" and dict(labels)["outcome"] == "handled"
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def summed(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    return sum(
        value
        for (found, have), value in samples.items()
        if found == name and labels.items() <= dict(have).items()
    )


def moved(before: dict[str, float], after: dict[str, float]) -> Callable[[str], float]:
    return lambda topic: after.get(topic, 0) - before.get(topic, 0)


def test_an_order_moves_each_services_counters_by_the_events_it_took(quiet: System) -> None:
    system = quiet
    workers = (system.order, system.inventory, system.payment)
    before = [handled(worker) for worker in workers]

    order = system.settled(system.place("tok_ok", **{system.product(): 1})["id"])
    system.committed(order["id"])
    order_moved, inventory_moved, payment_moved = (
        moved(old, handled(worker)) for old, worker in zip(before, workers, strict=True)
    )

    assert order["status"] == "CONFIRMED"
    assert order_moved("order.commands") == 1
    assert order_moved("INVENTORY.RESERVED") == 1 and order_moved("PAYMENT.STATUS_UPDATE") == 1
    assert inventory_moved("ORDER.CREATED") == 1
    assert inventory_moved("inventory.stock-commands") == 3  # create product, hold, commit
    assert inventory_moved("inventory.line-results") == 2  # granted, committed
    assert payment_moved("ORDER.CREATED") == 1 and payment_moved("INVENTORY.RESERVED") == 1
    assert payment_moved("payment.gateway-requests") == 1 and payment_moved("payment.commands") == 1


def test_an_order_moves_the_saga_request_and_table_gauges_of_the_order_worker(
    quiet: System,
) -> None:
    system, worker = quiet, quiet.order
    worker.get("/orders?limit=1")  # a list waits for the index: the gauges are there after
    before = scraped(worker)

    order = system.settled(system.place("tok_ok", **{system.product(): 1})["id"])
    after = scraped(worker)

    assert order["status"] == "CONFIRMED"
    outcome = {"table": "orders", "status": "CONFIRMED", "reason": ""}
    assert sample(after, "oms_saga_outcomes_total", **outcome) == (
        sample(before, "oms_saga_outcomes_total", **outcome) + 1
    )
    placed = {"route": "/orders", "method": "POST", "status": "201"}
    assert sample(after, "oms_http_requests_total", **placed) == (
        sample(before, "oms_http_requests_total", **placed) + 1
    )
    assert summed(after, "oms_http_request_seconds_count", route="/orders/{order_id}") >= 1
    confirmed = {"table": "orders", "facet": "CONFIRMED"}
    rows = (sample(samples, "oms_table_rows", **confirmed) for samples in (before, after))
    assert next(rows) + 1 == next(rows)
    assert sample(after, "oms_rebalances_total") >= 1
    assert sample(after, "oms_worker_restarts") == 0
    poll(
        lambda: (
            summed(scraped(worker), "oms_consumer_lag", topic="order.commands") == 0
            and any(name == "oms_consumer_lag" for name, _ in scraped(worker))
        ),
        "the order worker has read every command, and says so per partition",
    )
