"""A rolling upgrade from the release before and back, one worker at a time, under load.

Two workers per service start at the previous release (tests/e2e/releases.py). Careful
clients keep placing orders of every kind, each through a worker in the rotation (as a
load balancer that drains a worker before it goes). Each worker in turn is drained,
stopped and started again on its own port and data at this checkout's code; then each
goes back the same way. Every order ends as its kind must, `oms check` holds, no
request got a 5xx, and (the e2e hook, tests/losses.py) nothing was dead-lettered and no
order needed a nudge. Between the two, once upgraded, replay restarts each service
without its tables: rebuilt from changelogs both releases wrote, they have the same
digests.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest

from apps.cli import replay
from apps.platform.settings import SERVICES, worker_data_dir
from tests.e2e.golden import hold_to_the_golden_records
from tests.e2e.releases import Release, ReleaseWorker, previous_release
from tests.processes import READY_TIMEOUT_S, Broker, Response, check_holds, http, poll

CLIENTS = 4
#: Orders settled between two swaps: the load goes on through each.
BETWEEN_SWAPS = 6


#: Releases that answer 503 while their group rebalances (0.2.0 waits it out instead).
REFUSE_WHILE_REBALANCING = {"0.1.0"}
#: Releases that answer a manual hold's command, delivered again before the hold settled,
#: with 409 "the reservation exists" (0.2.0 answers its caller once, when it settles).
ANSWER_A_REDELIVERED_HOLD_TWICE = {"0.1.0"}


def refused_by_the_release_before(worker: ReleaseWorker, response: Response) -> bool:
    """Whether `response` is a 503 of a release that refuses requests during a rebalance:
    it refused before doing anything, so asking again is safe."""
    release = worker.release
    refusing = release is not None and release.version in REFUSE_WHILE_REBALANCING
    return refusing and response.status == 503 and response.body["code"] == "NOT_READY"


class Rotation:
    """The workers a careful client may send to, per service; one is drained before it goes."""

    def __init__(self, workers: dict[str, list[ReleaseWorker]]) -> None:
        self.workers = {service: list(pair) for service, pair in workers.items()}
        self.in_flight: Counter[int] = Counter()
        self.turn = itertools.count()
        self.lock = threading.Condition()
        #: Every answer by status, and the 5xx ones in full.
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self.not_found: list[str] = []
        #: The 503s of 0.1.0 workers while their group rebalanced (asked again).
        self.refused_before: list[str] = []
        #: The holds a release before answered twice (409 first), and which stood.
        self.answered_twice_before: list[str] = []
        #: The worker being replaced: drained, but its agents may still answer.
        self.leaving: ReleaseWorker | None = None

    @contextmanager
    def worker(self, service: str) -> Iterator[ReleaseWorker]:
        with self.lock:
            pair = self.workers[service]
            chosen = pair[next(self.turn) % len(pair)]
            self.in_flight[chosen.port] += 1
        try:
            yield chosen
        finally:
            with self.lock:
                self.in_flight[chosen.port] -= 1
                self.lock.notify_all()

    def call(self, service: str, method: str, path: str, body: Any = None, **kw: Any) -> Response:
        while True:
            with self.worker(service) as worker:
                response = http(method, worker.url + path, body, **kw)
            if not refused_by_the_release_before(worker, response):
                break
            with self.lock:
                self.refused_before.append(f"{method} {path}: {response.body['error']}")
            time.sleep(0.1)  # the 503 changed nothing: the careful client asks again
        with self.lock:
            self.statuses[response.status] += 1
            if response.status >= 500:
                self.errors.append(
                    f"{method} {path} on {worker.url}: {response.status} {response.body}"
                )
            elif response.status == 404:
                self.not_found.append(f"{method} {path} on {worker.url}")
        return response

    def running(self, service: str, versions: set[str]) -> bool:
        """Whether a worker of `service` at one of `versions` runs (in the rotation or leaving)."""
        with self.lock:
            workers = [*self.workers[service], self.leaving]
        return any(w and w.release and w.release.version in versions for w in workers)

    def replace(self, old: ReleaseWorker, release: Release | None) -> ReleaseWorker:
        """Drain `old`, stop it, start `release` in its place (port and data); the new one."""
        with self.lock:
            self.workers[old.service].remove(old)
            self.leaving = old
            self.lock.wait_for(lambda: self.in_flight[old.port] == 0)
        old.stop()
        with self.lock:
            self.leaving = None
        new = ReleaseWorker(old.service, old.broker, old.data_dir, dict(old.env), old.port)
        new.release = release
        new.start().wait_ready()
        assert new.runs_its_release(), new.get("/health").body
        with self.lock:
            self.workers[old.service].append(new)
        return new


@dataclass
class Load:
    """Careful clients: each places an order of one kind, waits until it ends and checks
    it ended as that kind must, then takes the next kind."""

    rotation: Rotation
    plenty: str
    none: str
    #: How many orders (and holds) of each kind ended as they must.
    ended: Counter[str] = field(default_factory=Counter)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def done(self) -> int:
        with self.lock:
            return sum(self.ended.values())

    def place(self, token_name: str, product: str) -> str:
        body = {
            "customer_id": "c1",
            "payment_token": token_name,
            "items": [{"product_id": product, "quantity": 1}],
        }
        headers = {"Idempotency-Key": uuid4().hex}
        response = self.rotation.call("order", "POST", "/orders", body, headers=headers)
        assert response.status == 201, response.body
        return str(response.body["id"])

    def wait(self, order_id: str, *statuses: str) -> dict[str, Any]:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            response = self.rotation.call("order", "GET", f"/orders/{order_id}?wait=2")
            order = response.body
            if response.status == 200 and order["status"] in statuses:
                return dict(order)
            assert time.monotonic() < deadline, f"{order_id} never {statuses}: {order}"

    def ends(self, kind: str, order_id: str, status: str, reason: str | None = None) -> None:
        # A cancelled or refunded order may be CONFIRMED first: it ends when it fails or is
        # cancelled (a cancellation must never be lost).
        ending = (
            ("FAILED", "CANCELLED")
            if status == "CANCELLED"
            else ("CONFIRMED", "FAILED", "CANCELLED")
        )
        order = self.wait(order_id, *ending)
        held_reason = reason is None or (order["reason"] or "").startswith(reason)
        assert order["status"] == status and held_reason, (kind, order)
        with self.lock:
            self.ended[kind] += 1

    def confirmed(self) -> None:
        self.ends("confirmed", self.place("tok_ok", self.plenty), "CONFIRMED")

    def out_of_stock(self) -> None:
        self.ends("out of stock", self.place("tok_ok", self.none), "FAILED", "OUT_OF_STOCK")

    def declined(self) -> None:
        self.ends("declined", self.place("tok_declined", self.plenty), "FAILED", "CARD_DECLINED")

    def cancelled(self) -> None:
        order_id = self.place("tok_ok", self.plenty)
        response = self.rotation.call("order", "DELETE", f"/orders/{order_id}")
        assert response.status == 202, response.body
        self.ends("cancelled", order_id, "CANCELLED")

    def refunded(self) -> None:
        order_id = self.place("tok_ok", self.plenty)
        self.wait(order_id, "CONFIRMED")
        refund = {"order_id": order_id, "status": "REFUNDED"}
        response = self.rotation.call("payment", "PUT", "/payments/status", refund)
        assert response.status == 200, response.body
        self.ends("refunded", order_id, "CANCELLED")

    def held(self) -> None:
        hold_id = f"hold-{uuid4().hex[:12]}"
        body = {"order_id": hold_id, "items": [{"product_id": self.plenty, "quantity": 1}]}
        response = self.rotation.call("inventory", "POST", "/reservations", body)
        if self.answered_twice_before(response):
            response = self.settled(hold_id)
            with self.rotation.lock:
                self.rotation.answered_twice_before.append(hold_id)
        assert response.status in (200, 201), response.body
        assert response.body["status"] == "RESERVED", response.body
        released = self.rotation.call("inventory", "DELETE", f"/reservations/{hold_id}")
        assert released.status == 200 and released.body["status"] == "RELEASED", released.body
        with self.lock:
            self.ended["held and released"] += 1

    def answered_twice_before(self, response: Response) -> bool:
        """Whether a fresh hold's 409 "exists" is a release before answering its own
        command delivered again (the hold itself stands: `settled` shows it)."""
        exists = response.status == 409 and response.body["code"] == "RESERVATION_EXISTS"
        return exists and self.rotation.running("inventory", ANSWER_A_REDELIVERED_HOLD_TWICE)

    def settled(self, hold_id: str) -> Response:
        """The hold `hold_id` once it is no longer PENDING."""
        read: list[Response] = []

        def settles() -> bool:
            read.append(self.rotation.call("inventory", "GET", f"/reservations/{hold_id}"))
            return read[-1].status == 200 and read[-1].body["status"] != "PENDING"

        poll(settles, f"the hold {hold_id} settled")
        return read[-1]

    def client(self, first: int) -> None:
        kinds = (
            self.confirmed,
            self.out_of_stock,
            self.declined,
            self.cancelled,
            self.refunded,
            self.held,
        )
        for kind in itertools.islice(itertools.cycle(kinds), first, None):
            if self.stopping.is_set():
                return
            kind()


@pytest.fixture(scope="module")
def release() -> Release:
    return previous_release()


def test_a_rolling_upgrade_and_downgrade_under_load_loses_nothing(
    tmp_path_factory: pytest.TempPathFactory, release: Release
) -> None:
    broker = Broker(log=tmp_path_factory.mktemp("broker") / "tansu.log").start()
    # As CHANGELOG.md says to upgrade from 0.2.0: no standby copies while any worker runs
    # it (it never kept any, and its recovery lacks 0.3.0's mend for them).
    env = {"OMS_PARTITIONS": "4", "OMS_STANDBY_REPLICAS": "0"}
    workers = {
        service: [
            ReleaseWorker(service, broker, tmp_path_factory.mktemp(service), dict(env))
            for _ in range(2)
        ]
        for service in SERVICES
    }
    for pair in workers.values():
        for worker in pair:
            worker.release = release
    everyone = [worker for pair in workers.values() for worker in pair]
    rotation = Rotation(workers)
    swaps: list[str] = []
    try:
        for worker in everyone:
            worker.start()
        for worker in everyone:
            assert worker.wait_ready().runs_its_release(), worker.get("/health").body
        inventory = workers["inventory"][0]
        plenty, none = f"p-{uuid4().hex[:6]}", f"p-{uuid4().hex[:6]}"
        inventory.create_product(id=plenty, name="plenty", price="2.00", stock=100_000)
        inventory.create_product(id=none, name="none", price="2.00", stock=0)
        load = Load(rotation, plenty, none)

        def roll(to: Release | None, what: str) -> None:
            """Replace every worker by one of `to` (None: this checkout), under load."""
            clients = ThreadPoolExecutor(max_workers=CLIENTS)
            running = [clients.submit(load.client, n) for n in range(CLIENTS)]

            def ending(target: int) -> Callable[[], bool]:
                def check() -> bool:
                    for client in running:  # a client that failed fails the test now
                        if client.done():
                            client.result()
                    return load.done >= target

                return check

            try:
                poll(ending(load.done + BETWEEN_SWAPS), "orders ending")
                for service in SERVICES:
                    for old in list(rotation.workers[service]):
                        started = time.monotonic()
                        rotation.replace(old, to)
                        took = time.monotonic() - started
                        swaps.append(f"{what} {service}:{old.port} {took:.1f} s")
                        poll(ending(load.done + BETWEEN_SWAPS), "orders ending")
            finally:
                load.stopping.set()
                clients.shutdown()
            for client in running:
                client.result()
            load.stopping.clear()

        roll(None, "up")
        urls = {service: rotation.workers[service][0].url for service in SERVICES}
        check_holds(urls["order"], urls["inventory"], urls["payment"])
        # Upgraded, then rebuilt without state: from changelogs both releases wrote, this
        # release makes the very tables it held. (After the downgrade the release before
        # holds them as it reads them, without the fields it does not know: not the same.)
        for service in SERVICES:
            assert replayed(rotation.workers[service]), f"{service}: replay differs"
        roll(release, "down")

        urls = {service: rotation.workers[service][0].url for service in SERVICES}
        check_holds(urls["order"], urls["inventory"], urls["payment"])
        # What both releases wrote (0.1.0 wrote without labels), replies between workers too.
        hold_to_the_golden_records(broker, unlabelled=release.version == "0.1.0")
        print(f"\nended as they must: {dict(load.ended)}; answers {dict(rotation.statuses)}")
        print(f"503s of the release before, asked again: {len(rotation.refused_before)}")
        print(f"holds the release before answered twice: {rotation.answered_twice_before}")
        print("\n".join(swaps + rotation.not_found))
        assert not rotation.errors, "\n".join(rotation.errors)
    finally:
        for worker in [w for pair in rotation.workers.values() for w in pair] + everyone:
            worker.stop()
        broker.stop()


def replayed(workers: list[ReleaseWorker]) -> bool:
    """Restart `workers` (one service) at this checkout's code without their tables: once
    rebuilt from the changelogs, are the tables' digests the same?"""
    lines: list[str] = []

    async def restart_without_state() -> None:
        for worker in workers:
            worker.stop()
            shutil.rmtree(worker_data_dir(worker.data_dir, worker.service, worker.port))
        for worker in workers:
            worker.release = None
            worker.start()
        await asyncio.to_thread(lambda: [worker.wait_ready() for worker in workers])

    same = asyncio.run(replay.replay(workers[0].url, restart_without_state, lines.append))
    print("\n".join(lines))
    return same
