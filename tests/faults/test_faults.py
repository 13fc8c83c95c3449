"""Faults under a steady load: every order still ends, and every invariant holds after."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import topics
from apps.cli import control
from tests.e2e.conftest import System
from tests.faults.conftest import Row
from tests.faults.load import RATE, SteadyLoad, place_carefully
from tests.faults.outcome import assert_all_confirmed, every_worker_back, recovered
from tests.processes import poll, publish


def test_a_worker_killed_every_few_seconds_for_a_minute_loses_no_order(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, log = oms_up
    product = system.product(stock=100_000)
    services = ["order", "inventory", "payment"]
    kills, last_fault = 0, time.monotonic()
    with SteadyLoad(system.order.url, product, RATE) as load:
        until = time.monotonic() + 60
        while time.monotonic() < until:
            # Each service in turn, in a random order: none dies often enough to be
            # taken for a crash loop (more than 5 deaths in 60 s).
            for service in random.sample(services, len(services)):
                time.sleep(6)
                pid = control.pids(control.socket_path(system.order.data_dir))[service]
                os.kill(pid, signal.SIGKILL)
                kills += 1
                last_fault = time.monotonic()
    every_worker_back(system, log, deaths=kills)

    seconds = recovered(system, load.ids, since=last_fault)

    assert_all_confirmed(system, product, 100_000, load.ids)
    report.append(Row("kill -9 a worker every 6 s for 60 s", len(load.ids), kills, seconds))


def test_the_broker_paused_past_the_session_timeout_loses_no_order(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, _ = oms_up
    product = system.product(stock=100_000)
    assert system.broker.process is not None
    broker = system.broker.process.pid
    with SteadyLoad(system.order.url, product, RATE) as load:
        load.wait_for_more(20)
        os.kill(broker, signal.SIGSTOP)  # 12 s: four times the 3 s session timeout
        time.sleep(12)
        os.kill(broker, signal.SIGCONT)
        resumed = time.monotonic()
        load.wait_for_more(20, "orders placed after the broker resumed")

    seconds = recovered(system, load.ids, since=resumed)

    assert_all_confirmed(system, product, 100_000, load.ids)
    report.append(Row("broker paused (SIGSTOP) for 12 s", len(load.ids), 1, seconds))


#: Not JSON, JSON of no message's shape, and a message of a type nobody knows.
POISON = (b"{not json", b"{}", b'{"type": "NO.SUCH_EVENT", "order_id": "poison"}')
#: The dead letters they make: each poison, once by each reader of each topic.
POISONED = sum(len(spec.readers) for spec in topics.ALL) * len(POISON)


@pytest.mark.dead_letters(POISONED)
def test_poison_on_every_topic_is_dead_lettered_once_by_each_reader(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, _ = oms_up
    product = system.product(stock=100_000)
    read = [spec for spec in topics.ALL if spec.readers]
    with SteadyLoad(system.order.url, product, RATE) as load:
        load.wait_for_more(8)
        for spec in read:
            publish(
                system.broker, spec.name, [(f"poison-{n}", raw) for n, raw in enumerate(POISON)]
            )
        published = time.monotonic()
        load.wait_for_more(12, "orders placed after the poison")

    seconds = recovered(system, load.ids, since=published)

    workers = {"order": system.order, "inventory": system.inventory, "payment": system.payment}

    def letters(service: str) -> Counter[str]:
        page = workers[service].get("/dead-letters?limit=1000").body
        return Counter(letter["topic"] for letter in page["items"])

    expected = {
        service: Counter({spec.name: len(POISON) for spec in read if service in spec.readers})
        for service in workers
    }
    poll(lambda: all(letters(s) == expected[s] for s in workers), "each poison dead-lettered once")
    assert_all_confirmed(system, product, 100_000, load.ids)
    injected = len(read) * len(POISON)
    report.append(Row("poison on every saga topic", len(load.ids), injected, seconds))


def test_a_thousand_concurrent_orders_for_a_hundred_units_confirm_exactly_a_hundred(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, _ = oms_up
    product = system.product(stock=100)
    started = time.monotonic()

    with ThreadPoolExecutor(max_workers=32) as pool:
        keys = (f"{product}-{n}" for n in range(1000))
        ids = list(pool.map(lambda key: place_carefully(system.order.url, product, key), keys))
    seconds = recovered(system, ids, since=started)

    statuses = Counter(system.settled(order_id)["status"] for order_id in ids)
    assert statuses == {"CONFIRMED": 100, "FAILED": 900}
    assert system.level(product) == (0, 0, 100)
    report.append(Row("1000 concurrent orders for 100 units", len(ids), 0, seconds))
