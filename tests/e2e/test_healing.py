"""`oms up` heals: a worker killed with SIGKILL is started again, the others serve on,
and the system goes on with every order it had."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.cli import control
from tests.e2e.conftest import System
from tests.processes import Broker, Worker, free_base_port, poll, stop_process


@pytest.fixture
def oms_env() -> dict[str, str]:
    """More environment for `oms up` and its workers (a test parametrizes it)."""
    return {}


@pytest.fixture
def oms_up(tmp_path: Path, oms_env: dict[str, str]) -> Iterator[tuple[System, Path]]:
    """`oms up` on a broker of its own (`--broker-url`) and ports of its own; its log."""
    broker = Broker(log=tmp_path / "tansu.log").start()
    base, data_dir, log = free_base_port(), tmp_path / "data", tmp_path / "oms-up.log"
    env = {**os.environ, "OMS_BASE_PORT": str(base), "OMS_DATA_DIR": str(data_dir)}
    oms = Path(sys.executable).with_name("oms")
    with log.open("ab") as sink:
        up = subprocess.Popen(
            [str(oms), "up", "--broker-url", broker.url],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**env, "OMS_PARTITIONS": "2", **oms_env},
            start_new_session=True,
        )
    try:
        poll(lambda: "Ctrl-C stops everything" in log.read_text(), "oms up is ready")
        workers = {
            service: Worker(service, broker, data_dir, port=base + n)
            for n, service in enumerate(("order", "inventory", "payment"))
        }
        yield System(broker, **workers), log
    finally:
        stop_process(up, signal.SIGINT)
        broker.stop()


def test_a_killed_worker_is_started_again_and_the_system_goes_on_with_its_data(
    oms_up: tuple[System, Path],
) -> None:
    system, log = oms_up
    product = system.product(stock=10)
    before = system.settled(system.place("tok_ok", **{product: 1})["id"])
    pids = control.pids(control.socket_path(system.order.data_dir))

    os.kill(pids["payment"], signal.SIGKILL)
    poll(lambda: "payment is serving again" in log.read_text(), "the payment worker is back")
    after = system.settled(system.place("tok_ok", **{product: 1})["id"])

    assert (before["status"], after["status"]) == ("CONFIRMED", "CONFIRMED")
    assert system.payment_of(before["id"]).body["status"] == "COMPLETED"
    assert "payment was killed by SIGKILL: starting it again in 0.5 s" in log.read_text()
    now = control.pids(control.socket_path(system.order.data_dir))
    assert now["order"] == pids["order"] and now["inventory"] == pids["inventory"]
    assert now["payment"] != pids["payment"]
