"""Faults the workers inject into themselves (see apps/platform/fault_injection.py), at
moments no outside signal could pick: every order still ends, and nothing happens twice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.conftest import System
from tests.faults.conftest import Row
from tests.faults.load import RATE, SteadyLoad
from tests.faults.outcome import assert_all_confirmed, recovered
from tests.processes import poll

SERVICES = 3
#: Each worker crashes after this many of its decisions that sent messages.
CRASH_AFTER_SENDS = "40"


@pytest.mark.parametrize("oms_env", [{"OMS_FAULT_CRASH_AFTER_SENDS": CRASH_AFTER_SENDS}])
def test_a_worker_dying_after_its_sends_and_before_its_commit_does_nothing_twice(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, log = oms_up
    product = system.product(stock=100_000)

    def crashed() -> int:
        return log.read_text().count("injected crash")

    with SteadyLoad(system.order.url, product, RATE) as load:
        # Every worker sends its 40th time, dies, and is started again; the load goes on.
        poll(lambda: crashed() == SERVICES, "each worker crashed after its sends")
        last_fault = time.monotonic()
        poll(lambda: log.read_text().count("is serving again") >= SERVICES, "workers back")
        load.wait_for_more(10, "orders placed on the revived workers")

    seconds = recovered(system, load.ids, since=last_fault)

    # Each crash left an event whose sends went out to come again: held, charged and
    # sold once (the stock says so); never put aside as if it could not be handled, as
    # every test here ends by checking (tests/losses.py).
    assert_all_confirmed(system, product, 100_000, load.ids)
    row = Row("crash after the sends, before the commit", len(load.ids), crashed(), seconds)
    report.append(row)


@pytest.mark.parametrize("oms_env", [{"OMS_FAULT_HANDLER_FAILURES": "0.01"}])
def test_handlers_failing_one_time_in_a_hundred_are_tried_again_and_every_order_ends(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, log = oms_up
    product = system.product(stock=100_000)

    with SteadyLoad(system.order.url, product, RATE) as load:
        poll(lambda: log.read_text().count("injected a handler failure") >= 10, "10 failures")
        last_fault = time.monotonic()

    seconds = recovered(system, load.ids, since=last_fault)

    # Each failure was transient: tried again, not put aside (tests/losses.py checks).
    assert_all_confirmed(system, product, 100_000, load.ids)
    failures = log.read_text().count("injected a handler failure")
    report.append(Row("1 % of handlers fail after their write", len(load.ids), failures, seconds))
