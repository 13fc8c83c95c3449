"""A worker started before its broker listens waits for it, saying so, and then serves."""

from __future__ import annotations

from pathlib import Path

from tests.processes import Broker, Worker, poll


def test_a_worker_started_before_its_broker_waits_and_serves_once_the_broker_is_up(
    tmp_path: Path,
) -> None:
    broker = Broker(log=tmp_path / "tansu.log")  # its port chosen, nothing listening yet
    worker = Worker("payment", broker, tmp_path / "payment", env={"OMS_PARTITIONS": "2"})
    try:
        worker.start()
        poll(lambda: "waiting for the broker" in worker.tail(), "the worker says it waits")

        broker.start()
        worker.wait_ready()

        assert f"the broker at 127.0.0.1:{broker.port} answers, after" in worker.tail(200)
    finally:
        worker.stop()
        broker.stop()
