"""An inventory worker's life: not ready, ready, too slow, stopped, restarted, rebuilt."""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable

from apps.platform.settings import worker_data_dir
from models.actors import Actor
from models.base import utcnow
from models.inventory import AddStock
from tests.processes import READY_TIMEOUT_S, Response, Worker, poll, publish
from topics import STOCK_COMMANDS


def first_answer(worker: Worker, path: str) -> Response:
    """The first HTTP answer the worker gives, polling until its web server listens."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            return worker.get(path)
        except OSError:
            time.sleep(0.02)
    raise AssertionError(f"{worker.service} never answered\n{worker.tail()}")


def test_a_worker_answers_503_until_its_partitions_are_assigned_then_serves(
    start_worker: Callable[..., Worker],
) -> None:
    worker = start_worker("inventory")

    # The web server starts before the consumer group assigns partitions (that takes
    # at least Tansu's JoinGroup hold), so the first answers are 503, never a 500.
    early = first_answer(worker, "/products")
    health = worker.get("/health")

    assert early.status == 503 and early.body["code"] == "NOT_READY"
    assert health.status == 503 and health.body["status"] == "starting"
    assert health.body["reason"]
    worker.wait_ready()
    assert worker.get("/products").status == 200
    worker.stop()


def test_an_agent_that_does_not_reply_in_time_is_504_and_the_write_still_lands(
    start_worker: Callable[..., Worker],
) -> None:
    impatient = start_worker("inventory", OMS_REQUEST_TIMEOUT="0.001").wait_ready()

    response = impatient.post("/products", {"id": "slow-1", "name": "Slow", "price": 1})

    assert response.status == 504 and response.body["code"] == "TIMEOUT"
    poll(lambda: impatient.get("/products/slow-1").status == 200)
    # The reply came after the view gave up; the worker must go on consuming.
    added = impatient.put("/inventory/add", {"product_id": "slow-1", "quantity": 3})
    assert added.status == 504
    poll(lambda: impatient.get("/products/slow-1").body["available"] == 3)
    assert impatient.get("/health").status == 200
    impatient.stop()


def test_a_restarted_worker_serves_its_products_from_local_tables(
    start_worker: Callable[..., Worker],
) -> None:
    worker = start_worker("inventory").wait_ready()
    assert worker.post("/products", {"id": "kept-1", "name": "Kept", "price": 1}).status == 201
    # A burst of commands makes the agent write its changelog in multi-record
    # batches, whose end offset Tansu lists too low; the restart must still work
    # (no ConsistencyError) and find every write.
    adds = [
        AddStock(
            command_id=f"burst-{n}",
            product_id="kept-1",
            issued_at=utcnow(),
            quantity=1,
            requested_by=Actor(sub="test-operator", role="operator"),
        )
        for n in range(200)
    ]
    publish(worker.broker, STOCK_COMMANDS.name, [(add.product_id, add) for add in adds])
    poll(lambda: worker.get("/products/kept-1").body["available"] == 200)

    worker.stop()
    worker.start().wait_ready()

    assert worker.get("/products/kept-1").body["available"] == 200
    change = {"product_id": "kept-1", "quantity": 1}
    assert worker.put("/inventory/add", change).body["available"] == 201
    worker.stop()


def test_a_worker_killed_and_restarted_without_its_data_dir_rebuilds_from_the_changelog(
    start_worker: Callable[..., Worker],
) -> None:
    worker = start_worker("inventory").wait_ready()
    for n in range(10):
        body = {"id": f"rebuilt-{n}", "name": f"Item {n}", "price": n + 1, "stock": n}
        assert worker.post("/products", body).status == 201
    before = worker.get("/products?limit=1000").body

    worker.stop(signal.SIGKILL)
    shutil.rmtree(worker_data_dir(worker.data_dir, "inventory", worker.port))
    worker.start().wait_ready()

    assert worker.get("/products?limit=1000").body == before
    assert worker.get("/products/rebuilt-9").body["available"] == 9
    worker.stop()
