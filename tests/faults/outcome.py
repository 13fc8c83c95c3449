"""How a fault scenario ends: every order settled and `oms check` holding (and, as after
every e2e and fault test, nothing nudged or put aside: tests/losses.py)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.conftest import System
from tests.processes import Worker, check_holds, http, poll


def every_worker_back(system: System, log: Path, deaths: int) -> None:
    """Wait until `oms up` has started a worker again after each of `deaths`, and every
    worker serves (a worker may be killed again before it served, so its log does not
    say "serving again" once per death)."""

    def serves(worker: Worker) -> bool:
        try:
            return http("GET", f"{worker.url}/health").status == 200
        except OSError:  # not listening yet
            return False

    workers = (system.order, system.inventory, system.payment)
    poll(
        lambda: (
            log.read_text().count(" started again (pid ") >= deaths and all(map(serves, workers))
        ),
        "every worker started again and serving",
    )


def all_ended(system: System, ids: list[str]) -> None:
    """Wait until every order in `ids` has ended and `oms check` holds."""
    for order_id in ids:
        system.settled(order_id)
    check_holds(system.order.url, system.inventory.url, system.payment.url)


def recovered(system: System, ids: list[str], since: float) -> float:
    """Seconds from `since` (the last fault) until every order in `ids` has ended and
    `oms check` holds."""
    all_ended(system, ids)
    return time.monotonic() - since


def assert_all_confirmed(system: System, product: str, stock: int, ids: list[str]) -> None:
    """Every order in `ids` (one unit of `product` each) CONFIRMED, and the stock sold."""
    orders = [system.settled(order_id) for order_id in ids]
    assert all(order["status"] == "CONFIRMED" for order in orders)
    assert system.level(product) == (stock - len(ids), 0, len(ids))
