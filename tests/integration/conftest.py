"""A real Tansu broker per test module, and a helper to start real workers on it.

Each module has its own broker, so the workers one module starts and stops never
join another module's consumer groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.processes import Broker, Worker

#: More than one partition, so that keying mistakes show up.
PARTITIONS = "4"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    broker = Broker(log=tmp_path_factory.mktemp("broker") / "tansu.log").start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def start_worker(
    broker: Broker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Worker]]:
    """Start workers of a service on the session's broker; all are stopped at the end."""
    started: list[Worker] = []

    def start(service: str, data_dir: Path | None = None, **env: str) -> Worker:
        worker = Worker(
            service,
            broker,
            data_dir or tmp_path_factory.mktemp(service),
            env={"OMS_PARTITIONS": PARTITIONS, **env},
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()
