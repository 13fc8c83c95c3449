"""`oms up` heals: a worker killed with SIGKILL is started again, the others serve on,
and the system goes on with every order it had."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.cli import control
from apps.cli.main import main
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


def test_the_replay_bench_times_each_rebuild_against_a_bare_read_of_the_same_changelogs(
    oms_up: tuple[System, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system, _ = oms_up
    product = system.product(stock=10)
    for _ in range(5):
        system.committed(system.settled(system.place("tok_ok", **{product: 1})["id"])["id"])
    monkeypatch.setenv("OMS_DATA_DIR", str(system.order.data_dir))  # its control socket
    monkeypatch.setenv("OMS_BROKER_URL", system.broker.url)
    report = tmp_path / "replay.json"
    urls = [f"--{w.service}-url={w.url}" for w in (system.order, system.inventory, system.payment)]

    status = main(["bench", "--replay", *urls, "--json", str(report)])

    figures = json.loads(report.read_text())
    assert status == 0 and figures["orders"] == 5
    assert [r["service"] for r in figures["rebuilds"]] == ["order", "inventory", "payment"]
    for rebuild in figures["rebuilds"]:
        assert rebuild["same_digests"], rebuild
        # Started without local state, the new worker read every record the bare read did.
        assert rebuild["restored_records"] == rebuild["bare"]["records"] > 0, rebuild
        assert rebuild["bare"]["seconds"] > 0 and rebuild["restore_seconds"] > 0
        steps = rebuild["steps"]
        assert 0 < steps["imported"] < steps["joined"] < steps["restored"] <= steps["ready"]
        assert steps["indexed"] >= steps["restored"]


def test_a_bench_that_kills_a_worker_mid_load_sees_every_order_end_as_it_must(
    oms_up: tuple[System, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    system, log = oms_up
    monkeypatch.setenv("OMS_DATA_DIR", str(system.order.data_dir))  # its control socket
    report = tmp_path / "failover.json"
    urls = [f"--{w.service}-url={w.url}" for w in (system.order, system.inventory, system.payment)]
    before = control.pids(control.socket_path(system.order.data_dir))

    status = main(
        [
            "bench", "--rate", "5", "--duration", "10", "--kill", "inventory", "--kill-after",
            "3", "--no-reference", "--idle-seconds", "0", *urls, "--json", str(report),
        ]
    )  # fmt: skip

    figures, out = json.loads(report.read_text())["loads"][0], capsys.readouterr().out
    assert status == 0, out
    assert f"killed inventory (pid {before['inventory']}) with SIGKILL, 3 s into the load" in out
    assert figures["orders"]["as_expected"] == figures["orders"]["sent"] == 50
    assert "inventory was killed by SIGKILL" in log.read_text()
