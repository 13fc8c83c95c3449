"""The launcher on real processes: health probes, wiping local tables, and `oms broker`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from apps.cli.broker import free_port, is_listening
from apps.cli.children import Child
from apps.cli.launcher import health_probe, wipe_data_dirs
from apps.cli.main import main
from apps.cli.supervisor import Supervisor
from apps.platform.settings import Settings, worker_data_dir
from tests.integration.children import BOUND_S, eventually, is_alive, python


@pytest.fixture
async def supervisor() -> AsyncIterator[Supervisor]:
    supervisor = Supervisor(lambda line: None, stop_grace=1.0, poll_interval=0.05)
    yield supervisor
    await supervisor.stop()


async def test_the_health_probe_waits_for_200_and_reports_the_reason_before(
    supervisor: Supervisor,
) -> None:
    port = free_port()
    server = f"""
        import http.server, json
        asked = 0
        class Health(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                global asked
                asked += 1
                ready = asked > 3
                body = json.dumps({{"reason": "recovering tables"}}).encode()
                self.send_response(200 if ready else 503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", {port}), Health).serve_forever()
    """
    probe = health_probe(f"http://127.0.0.1:{port}/health")
    answers = [await probe()]
    await supervisor.start(Child("web", python(server)))
    await eventually(lambda: is_listening("127.0.0.1", port), "the server listens")
    while (answer := await probe()) is not None:
        answers.append(answer)

    assert answers[0] == f"http://127.0.0.1:{port}/health does not answer yet"
    assert answers[1:] == [f"http://127.0.0.1:{port}/health answered 503: recovering tables"] * 3


def test_the_data_dirs_of_the_default_workers_are_wiped_and_no_others(tmp_path: Path) -> None:
    order, payment, elsewhere = (
        worker_data_dir(tmp_path, service, port)
        for service, port in (("order", 8070), ("payment", 8072), ("order", 18070))
    )
    for path in (order, payment, elsewhere):
        (path / "tables").mkdir(parents=True)

    wiped = wipe_data_dirs(Settings(data_dir=tmp_path))

    assert wiped == [order, payment]
    assert list(tmp_path.iterdir()) == [elsewhere]


async def test_oms_broker_listens_on_its_port_and_stops_cleanly_on_sigint() -> None:
    port = free_port()
    oms = await asyncio.create_subprocess_exec(
        *python("from apps.cli.main import main; raise SystemExit(main())"),
        "broker",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        listening = await asyncio.wait_for(read_until(oms, "broker listening on"), BOUND_S)
        broker_pid = int(listening.rsplit("pid ", 1)[1].rstrip(")\n"))
        assert f"127.0.0.1:{port}" in listening
        assert is_listening("127.0.0.1", port)

        oms.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(oms.communicate(), BOUND_S)
    finally:
        if oms.returncode is None:
            os.killpg(oms.pid, signal.SIGKILL)
            await oms.wait()

    assert oms.returncode == 0, output.decode()
    assert "broker stopped" in output.decode()
    assert not is_alive(broker_pid)
    assert not is_listening("127.0.0.1", port)


async def read_until(process: asyncio.subprocess.Process, text: str) -> str:
    assert process.stdout is not None
    while line := (await process.stdout.readline()).decode():
        if text in line:
            return line
    raise AssertionError(f"the output ended without {text!r}")


def test_oms_broker_on_a_taken_port_fails_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        code = main(["broker", "--port", str(port)])

    out = capsys.readouterr().out
    assert code == 1
    assert f"oms         | error: port {port} on 127.0.0.1 is taken" in out
    assert "Traceback" not in out
