"""The launcher on real processes: health probes, wiping local tables, `oms broker`, and
the secret `oms up` keeps for the tokens `oms token` prints."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from apps.cli.broker import free_port, is_listening
from apps.cli.children import Child
from apps.cli.launcher import health_probe, wipe_data_dirs
from apps.cli.main import main
from apps.cli.supervisor import Supervisor
from apps.platform.settings import Settings, worker_data_dir
from apps.platform.tokens import keep_secret, secret_file
from tests.integration.children import BOUND_S, eventually, is_alive, python
from tests.processes import READY_TIMEOUT_S, Broker, free_base_port, http, poll, stop_process

#: The `oms` command as installed beside this interpreter.
OMS = str(Path(sys.executable).with_name("oms"))


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


def test_wiping_the_data_dirs_leaves_the_secret_for_tokens(tmp_path: Path) -> None:
    secret, _ = keep_secret(tmp_path)
    (worker_data_dir(tmp_path, "order", 8070) / "tables").mkdir(parents=True)

    wipe_data_dirs(Settings(data_dir=tmp_path))

    assert list(tmp_path.iterdir()) == [secret_file(tmp_path)]
    assert keep_secret(tmp_path) == (secret, False)


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


# `oms up` and `oms token`, with no OMS_AUTH_SECRET: the secret is the one kept on disk ----


@pytest.fixture
def up_env(tmp_path: Path) -> dict[str, str]:
    """`oms up`'s environment, and `oms token`'s: ports and a data dir of the test's own,
    and no OMS_AUTH_SECRET (tests/conftest.py sets one for every other test)."""
    env = {name: value for name, value in os.environ.items() if name != "OMS_AUTH_SECRET"}
    return {**env, "OMS_BASE_PORT": str(free_base_port()), "OMS_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def oms_up(broker: Broker, up_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Path]]:
    """Start `oms up` on the module's broker, as often as the test calls; each one's log."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> Path:
        for running in started:
            stop_process(running, signal.SIGINT)
        log = tmp_path / f"oms-up-{len(started) + 1}.log"
        with log.open("ab") as sink:
            started.append(
                subprocess.Popen(
                    [OMS, "up", "--broker-url", broker.url],
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    env=up_env,
                    start_new_session=True,
                )
            )
        up = started[-1]
        poll(lambda: up.poll() is not None or "Ctrl-C stops" in log.read_text(), "oms up ready")
        assert up.poll() is None, log.read_text()
        return log

    yield start
    for running in started:
        stop_process(running, signal.SIGINT)


def oms_token(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OMS, "token", *argv], env=env, capture_output=True, text=True, timeout=READY_TIMEOUT_S
    )


def test_oms_up_keeps_a_secret_that_oms_token_signs_with_and_the_workers_check_tokens_by(
    oms_up: Callable[[], Path], up_env: dict[str, str]
) -> None:
    secret = secret_file(Path(up_env["OMS_DATA_DIR"]))
    orders = f"http://127.0.0.1:{up_env['OMS_BASE_PORT']}/orders"
    assert oms_token(up_env, "operator").returncode == 2  # no secret before `oms up`

    first = oms_up().read_text()
    kept = secret.read_text()
    minted = oms_token(up_env, "operator")
    token = minted.stdout.strip()

    assert f"made a secret for tokens in {secret}" in first
    assert "token      TOKEN=$(" in first and "oms token operator)" in first
    assert kept.strip() not in first
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert (minted.returncode, minted.stderr, minted.stdout.count("\n")) == (0, "", 1)
    assert http("GET", orders, token=token).status == 200
    assert http("GET", orders, token=None).status == 401

    second = oms_up().read_text()

    assert f"tokens signed with the secret kept in {secret}" in second
    assert secret.read_text() == kept
    assert http("GET", orders, token=token).status == 200
