"""Two workers per service on 8 partitions: reads, lists and writes from either, and
losing a worker of each service mid-load loses no order."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from urllib.request import Request, urlopen
from uuid import uuid4

import pytest

from apps.cli import replay
from apps.cli.replay import table_digests
from apps.platform.settings import SERVICES, worker_data_dir
from tests.processes import READY_TIMEOUT_S, Broker, Worker, check_holds, http, poll
from tests.tokens import bearer


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Worker]]]:
    broker = Broker(log=tmp_path_factory.mktemp("broker") / "tansu.log").start()
    workers = {
        service: [
            Worker(service, broker, tmp_path_factory.mktemp(service), env={"OMS_PARTITIONS": "8"})
            for _ in range(2)
        ]
        for service in SERVICES
    }
    everyone = [worker for pair in workers.values() for worker in pair]
    try:
        for worker in everyone:
            worker.start()
        for worker in everyone:
            worker.wait_ready()
        yield workers
    finally:
        for worker in everyone:
            worker.stop()
        broker.stop()


def new_product(inventory: Worker, stock: int) -> str:
    """A product of its own at 2.00 with `stock` on the shelf; its id."""
    product_id = f"p-{uuid4().hex[:6]}"
    inventory.create_product(id=product_id, name="x", price="2.00", stock=stock)
    return product_id


def place(order_url: str, product: str, key: str) -> str:
    """POST an order, retrying what a rebalance or a lost worker answers (the key makes
    a retry safe); its id."""
    body = {"customer_id": "c1", "items": [{"product_id": product, "quantity": 1}]}
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            response = http("POST", f"{order_url}/orders", body, headers={"Idempotency-Key": key})
            if response.status == 201:
                return str(response.body["id"])
            assert response.status in {503, 504}, response.body
        except OSError:
            pass
        assert time.monotonic() < deadline, "the order was never accepted"
        time.sleep(0.2)


def settled(order_url: str, order_id: str, *services: Worker) -> dict[str, Any]:
    """The order once settled; if it never is, what each service holds about it."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            response = http("GET", f"{order_url}/orders/{order_id}?wait=5")
            if response.status == 200 and response.body["status"] in {"CONFIRMED", "FAILED"}:
                return dict(response.body)
        except OSError:
            pass
        if time.monotonic() > deadline:
            held = {
                w.service: w.get(f"/tables/{TABLES[w.service]}/{order_id}").body for w in services
            }
            raise AssertionError(f"{order_id} never settled: {held}")
        time.sleep(0.1)


#: The main table of each service, also the path of its list.
TABLES = {"order": "orders", "inventory": "reservations", "payment": "payments"}


def test_orders_placed_through_one_worker_are_read_and_listed_through_the_other(
    cluster: dict[str, list[Worker]],
) -> None:
    first_order, second_order = cluster["order"]
    first_inventory, second_inventory = cluster["inventory"]
    product = new_product(first_inventory, stock=100)

    ids = [place(first_order.url, product, uuid4().hex) for _ in range(16)]

    for order_id in ids:
        assert settled(second_order.url, order_id)["status"] == "CONFIRMED"
    listed = [w.get("/orders?limit=1000").body for w in cluster["order"]]
    assert listed[0] == listed[1]
    assert set(ids) <= {order["id"] for order in listed[0]["items"]}
    assert listed[0]["total"] == len(listed[0]["items"])
    # A page deep in the list: each worker is asked for its first offset + limit items.
    everything = listed[0]["items"]
    deep = [w.get("/orders?limit=1000&offset=3").body for w in cluster["order"]]
    assert deep[0] == deep[1]
    assert deep[0]["items"] == everything[3:] and deep[0]["total"] == len(everything)
    # Inventory commits the stock just after each order is CONFIRMED: wait for the last.
    poll(lambda: second_inventory.level(product) == (84, 0, 16), f"{product} at 84/0/16")
    tables = [w.get("/tables").body for w in cluster["inventory"]]
    assert tables[0] == tables[1]


def test_the_saga_pages_stream_on_either_worker_carries_the_orders_of_both(
    cluster: dict[str, list[Worker]],
) -> None:
    first_order, second_order = cluster["order"]
    product = new_product(cluster["inventory"][0], stock=100)
    confirmed: set[str] = set()

    # 16 orders on 8 partitions: some are owned by each worker (all on one: p = 3e-5).
    # The stream opens once the other worker's is followed: nothing placed after is missed.
    # The relay carries the reader's token to the other worker, which checks it too.
    events = Request(f"{first_order.url}/ui/events", headers=bearer())
    with urlopen(events, timeout=60) as stream:
        ids = {place(second_order.url, product, uuid4().hex) for _ in range(16)}
        while not ids <= confirmed:
            line = stream.readline().decode()  # the heartbeat bounds the wait
            assert line, f"the stream ended before {ids - confirmed} were seen CONFIRMED"
            if line.startswith("data:") and '"status":"CONFIRMED"' in line:
                confirmed.add(json.loads(line.removeprefix("data:"))["id"])

    counts = [w.get("/ui/counts").body for w in cluster["order"]]
    assert counts[0] == counts[1]
    assert counts[0]["total"] == first_order.get("/orders?limit=1").body["total"]


def test_a_table_walked_by_key_through_either_worker_gives_every_entry_once_in_order(
    cluster: dict[str, list[Worker]],
) -> None:
    first, second = cluster["order"]
    everything = first.get("/tables/orders?limit=1000").body
    assert everything["total"] == len(everything["items"]) > 5  # earlier tests placed some

    walked: list[dict[str, Any]] = []
    after = ""
    while True:  # pages of 5 after the last key, through either worker by turns
        worker = (first, second)[len(walked) // 5 % 2]
        page = worker.get("/tables/orders?limit=5" + (f"&after={after}" if after else "")).body
        walked += page["items"]
        if len(page["items"]) < 5:
            break
        after = page["items"][-1]["key"]

    assert walked == everything["items"]


@pytest.mark.parametrize("service", SERVICES)
def test_replay_rebuilds_every_table_from_its_changelog_with_the_same_digests(
    cluster: dict[str, list[Worker]], service: str
) -> None:
    inventory = cluster["inventory"][0]
    product = new_product(inventory, stock=5)
    order_url = cluster["order"][0].url
    order_id = place(order_url, product, uuid4().hex)
    assert settled(order_url, order_id)["status"] == "CONFIRMED"
    # The saga's last step is inventory's commit: digests taken before it ends would differ.
    poll(
        lambda: inventory.get(f"/reservations/{order_id}").body.get("status") == "COMMITTED",
        f"the reservation of {order_id} COMMITTED",
    )
    assert inventory.level(product) == (4, 0, 1)
    workers = cluster[service]
    lines: list[str] = []

    async def restart_without_state() -> None:
        for worker in workers:
            worker.stop()
            shutil.rmtree(worker_data_dir(worker.data_dir, service, worker.port))
        for worker in workers:
            worker.start()
        await asyncio.to_thread(lambda: [worker.wait_ready() for worker in workers])

    same = asyncio.run(replay.replay(workers[0].url, restart_without_state, lines.append))

    assert same, lines
    assert all(line.endswith("same") for line in lines[2:])
    keys = {table: int(n) for table, n in re.findall(r"(\w+) (\d+) keys", lines[0])}
    # Every table of the saga holds something (no dead letter was written, rightly).
    assert keys.pop("dead_letters") == 0 and keys and all(keys.values()), lines[0]


ORDERS = 60


def load_with(cluster: dict[str, list[Worker]], events: dict[int, Callable[[], None]]) -> None:
    """Place ORDERS orders of a new product from 8 clients through the first workers,
    running `events[n]` before the n-th; then every order must be CONFIRMED, `oms check`
    clean and the stock exact."""
    first = {service: pair[0] for service, pair in cluster.items()}
    product = new_product(first["inventory"], stock=1000)
    order_url = first["order"].url

    def place_one(n: int) -> str:
        if n in events:
            events[n]()
        return place(order_url, product, f"load-{product}-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(place_one, range(ORDERS)))
        orders = list(pool.map(lambda order_id: settled(order_url, order_id, *first.values()), ids))

    assert len(set(ids)) == ORDERS
    assert all(order["status"] == "CONFIRMED" for order in orders)
    check_holds(first["order"].url, first["inventory"].url, first["payment"].url)

    def committed() -> bool:  # inventory commits just after the payment completes
        return first["inventory"].level(product) == (1000 - ORDERS, 0, ORDERS)

    poll(committed, f"{product} at {1000 - ORDERS} available, 0 reserved, {ORDERS} sold")


def second_workers(cluster: dict[str, list[Worker]]) -> list[Worker]:
    return [pair[1] for pair in cluster.values()]


def test_losing_a_worker_of_each_service_mid_load_loses_no_order(
    cluster: dict[str, list[Worker]],
) -> None:
    def kill() -> None:
        for worker in second_workers(cluster):
            worker.stop(signal.SIGKILL)

    load_with(cluster, {20: kill})


def test_workers_that_rejoin_mid_load_take_their_partitions_back_and_lose_no_order(
    cluster: dict[str, list[Worker]],
) -> None:
    def restart() -> None:  # with the tables they had when they died
        for worker in second_workers(cluster):
            worker.stop(signal.SIGKILL)
            worker.start()

    load_with(cluster, {20: restart})

    for worker in second_workers(cluster):  # each holds a share of the partitions again
        worker.wait_ready()
        own = worker.get(f"/{TABLES[worker.service]}?scope=local&limit=1").body
        assert own["total"] > 0, f"{worker.service} took no partitions back"


def test_a_worker_lost_is_replaced_from_its_standby_copies_without_reading_their_changelogs(
    cluster: dict[str, list[Worker]],
) -> None:
    """Each table partition has a standby copy on the other worker of its service. The
    second workers rebuild from nothing (their copies read from the start, as after a
    replay), follow a load, and then take over from the first workers, killed: from their
    copies, which lack nothing and are current, so they read next to nothing."""
    first, second = ([pair[n] for pair in cluster.values()] for n in (0, 1))
    for worker in second:
        worker.stop()
        shutil.rmtree(worker_data_dir(worker.data_dir, worker.service, worker.port))
        worker.start()
    for worker in second:
        worker.wait_ready()
    load_with(cluster, {})
    for worker in second:
        poll(partial(standby_current, worker), f"{worker.service}'s standby copies current")
    before = {worker.service: table_digests(worker.url) for worker in second}
    restores = {worker.service: len(worker.restores()) for worker in second}

    for worker in first:
        worker.stop(signal.SIGKILL)

    for worker in second:
        poll(
            partial(serves, worker, before[worker.service]),
            f"{worker.service}'s tables served whole by its survivor",
        )
        taken_over = worker.restores()[restores[worker.service] :]
        read, held = sum(n for n, _ in taken_over), taken_over[-1][1]
        assert read <= held // 10, f"{worker.service} read {read} of {held} records on taking over"
    for worker in first:  # back, for what may follow
        worker.start()
    for worker in first:
        worker.wait_ready()


def standby_current(worker: Worker) -> bool:
    """Whether the worker keeps standby copies, each read to its changelog's end."""
    lags = worker.samples("oms_standby_lag")
    return bool(lags) and all(lag == 0 for lag in lags)  # NaN: not fetched yet


def serves(worker: Worker, digests: dict[str, Any]) -> bool:
    """Whether the worker gives these table digests (not while it cannot: a rebalance)."""
    try:
        return dict(table_digests(worker.url)) == digests
    except (OSError, ValueError, RuntimeError):
        return False
