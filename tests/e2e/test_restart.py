"""A worker killed and started again with its local state intact reads only the tail of
its changelogs: the records written since its stores' offsets, not the whole log."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from apps.cli.replay import table_digests
from apps.platform.settings import SERVICES
from tests.e2e.conftest import System, running_system
from tests.processes import Worker, check_holds

#: Orders placed before the kill: enough that reading the whole changelog again would
#: show, few enough to keep the suite short (the bench measures 3 000 and 30 000).
ORDERS = 400


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system that has confirmed ORDERS orders, every saga ended."""
    with running_system(tmp_path_factory) as system:
        product = system.product(stock=ORDERS)

        def one_order(_: int) -> dict[str, Any]:  # a careful client: one order at a time
            return system.settled(system.place("tok_ok", **{product: 1})["id"])

        with ThreadPoolExecutor(max_workers=16) as pool:
            settled = list(pool.map(one_order, range(ORDERS)))
        assert all(order["status"] == "CONFIRMED" for order in settled)
        system.poll(lambda: system.level(product) == (0, 0, ORDERS), f"{product} sold out")
        check_holds(system.order.url, system.inventory.url, system.payment.url)
        yield system


@pytest.mark.parametrize("service", SERVICES)
def test_a_worker_killed_and_restarted_with_its_state_reads_only_the_changelogs_tail(
    loaded: System, service: str
) -> None:
    worker: Worker = getattr(loaded, service)
    before = table_digests(worker.url)

    worker.stop(signal.SIGKILL)
    worker.start().wait_ready()

    read, held = worker.restores()[-1]
    assert held >= ORDERS  # every order wrote at least one record to each service's tables
    # What a commit had not yet stored the offsets of, at most: nothing was written since.
    assert read <= held // 10, f"read {read} of {held} changelog records on restart"
    assert worker.counter("oms_changelog_records_restored_total") == read
    assert table_digests(worker.url) == before
