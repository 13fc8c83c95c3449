"""Each worker's `/metrics`: the counters move as the saga goes through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import System, running_system
from tests.processes import Worker


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of its own: nothing left over from other tests moves its counters."""
    with running_system(tmp_path_factory) as system:
        yield system


def handled(worker: Worker) -> dict[str, float]:
    """Events handled by the worker's agents so far, by topic."""
    with urlopen(f"{worker.url}/metrics", timeout=60) as reply:
        assert reply.headers.get_content_type() == "text/plain"
        text = reply.read().decode()
    return {
        sample.labels["topic"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "oms_events_handled"
        for sample in family.samples
        if sample.name == "oms_events_handled_total" and sample.labels["outcome"] == "handled"
    }


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
    assert order_moved("INVENTORY.RESERVED") == 1 and order_moved("PAYMENT.STATUS_UPDATE") == 2
    assert inventory_moved("ORDER.CREATED") == 1
    assert inventory_moved("inventory.stock-commands") == 3  # create product, hold, commit
    assert inventory_moved("inventory.line-results") == 2  # granted, committed
    assert payment_moved("ORDER.CREATED") == 1 and payment_moved("INVENTORY.RESERVED") == 1
    assert payment_moved("payment.gateway-requests") == 1 and payment_moved("payment.commands") == 1
