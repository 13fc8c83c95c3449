"""The whole system for end-to-end tests: a Tansu broker and the three services on it.

The services start with the command line `oms up` uses (`apps.cli.workers.worker_command`),
each on a free port with its own data dir, and 4 partitions per topic.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from models.orders import SETTLED
from tests.processes import READY_TIMEOUT_S, Broker, Response, Worker, poll

#: Debian's chromium, which `make test` and `make test-e2e` install when it is missing.
CHROMIUM = Path("/usr/bin/chromium")
#: How long a condition on a page may take: a saga, a poll, a slow shared machine.
PATIENCE_MS = 30_000
#: Short, so the timeout case takes seconds; every other payment settles well within it.
PAYMENT_TIMEOUT_S = "3"


@dataclass
class System:
    broker: Broker
    order: Worker
    inventory: Worker
    payment: Worker

    def product(self, stock: int = 10, price: str = "5.00", *, active: bool = True) -> str:
        product_id = f"p-{uuid4().hex[:8]}"
        self.inventory.create_product(
            id=product_id, name=product_id, price=price, stock=stock, active=active
        )
        return product_id

    def level(self, product_id: str) -> tuple[int, int, int]:
        return self.inventory.level(product_id)

    def place(
        self, token: str | None = None, *, idempotency_key: str | None = None, **lines: int
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customer_id": "c1",
            "items": [{"product_id": p, "quantity": q} for p, q in lines.items()],
        }
        if token is not None:
            body["payment_token"] = token
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        response = self.order.post("/orders", body, headers=headers)
        assert response.status == 201, response.body
        return dict(response.body)

    def wait_for(self, order_id: str, *statuses: str) -> dict[str, Any]:
        """The order once it is in one of `statuses`.

        Settled statuses are awaited with `?wait=` (the server answers when the order
        settles); any other is polled, since a long poll would sleep through it.
        """
        wait = 5 if set(statuses) <= SETTLED else 0
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            order = self.order.get(f"/orders/{order_id}?wait={wait}").body
            if order["status"] in statuses:
                return dict(order)
            assert order["status"] not in SETTLED - {"CONFIRMED"}, f"{order_id}: {order}"
            assert time.monotonic() < deadline, f"{order_id} stuck in {order['status']}"
            time.sleep(0.02)

    def settled(self, order_id: str) -> dict[str, Any]:
        return self.wait_for(order_id, "CONFIRMED", "FAILED", "CANCELLED")

    def committed(self, order_id: str) -> None:
        """Wait until inventory has sold what the order held: the saga's last step."""

        def sold() -> bool:
            reservation = self.inventory.get(f"/reservations/{order_id}")
            return reservation.status == 200 and reservation.body["status"] == "COMMITTED"

        poll(sold, f"the reservation of {order_id} COMMITTED")

    def payment_of(self, order_id: str) -> Response:
        return self.payment.get(f"/payments/pay-{order_id}")

    def poll(self, check: Callable[[], bool], what: str = "the condition") -> None:
        poll(check, what)


@contextlib.contextmanager
def running_system(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[System]:
    """A broker and the three services with `settings` (OMS_* variables), warmed up by one
    order through the whole saga."""
    broker = Broker(log=tmp_path_factory.mktemp("broker") / "tansu.log").start()
    env = {"OMS_PARTITIONS": "4", **settings}
    workers = {
        service: Worker(service, broker, tmp_path_factory.mktemp(service), env=dict(env))
        for service in ("order", "inventory", "payment")
    }
    workers["payment"].env["OMS_PAYMENT_TIMEOUT"] = PAYMENT_TIMEOUT_S
    # The saga page of the order service reads the others where they listen here.
    for peer in ("inventory", "payment"):
        workers["order"].env[f"OMS_{peer.upper()}_URL"] = workers[peer].url
    try:
        for worker in workers.values():
            worker.start()
        for worker in workers.values():
            worker.wait_ready()
        system = System(broker, **workers)
        # The first message on each fresh topic can take seconds; with a payment timeout
        # this short, one order through the whole saga first keeps the cases from racing it.
        system.committed(
            system.settled(system.place("tok_ok", **{system.product(): 1})["id"])["id"]
        )
        yield system
    finally:
        for worker in workers.values():
            worker.stop()
        broker.stop()


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The system most end-to-end tests share."""
    with running_system(tmp_path_factory) as shared:
        yield shared


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium (Debian's) that the pages of a module open in."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-e2e` installs it"
    expect.set_options(timeout=PATIENCE_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()
