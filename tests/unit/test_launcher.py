"""The launcher on real processes: output, readiness, unexpected exits, stopping, `oms broker`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from apps.broker import free_port, is_listening
from apps.cli import main
from apps.launcher import health_probe, wipe_data_dirs
from apps.supervisor import Child, LaunchError, Supervisor, supervise

#: Every wait in these tests is bounded by this, and ends as soon as its condition holds.
BOUND_S = 15.0


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def is_alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie waiting for its reaper counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND_S} s: {what}"
        await asyncio.sleep(0.02)


def printed(lines: list[str], text: str) -> Callable[[], bool]:
    return lambda: any(text in line for line in lines)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
async def supervisor(lines: list[str]) -> AsyncIterator[Supervisor]:
    supervisor = Supervisor(lines.append, stop_grace=1.0, poll_interval=0.05)
    yield supervisor
    await supervisor.stop()  # whatever a failing test left running


SLEEPER = """
    import time
    print("up", flush=True)
    time.sleep(60)
"""


async def test_each_line_of_output_is_prefixed_with_the_name_of_its_child(
    supervisor: Supervisor, lines: list[str]
) -> None:
    await supervisor.start(
        Child(
            "alpha", python('print("one"); print("two", flush=True); import time; time.sleep(60)')
        ),
        Child(
            "beta",
            python('import sys; print("oops", file=sys.stderr); import time; time.sleep(60)'),
        ),
    )
    await eventually(printed(lines, "oops"), "beta's stderr is printed")
    await eventually(printed(lines, "two"), "alpha's output is printed")

    assert "alpha       | one" in lines
    assert "alpha       | two" in lines
    assert "beta        | oops" in lines


async def test_stop_ends_every_child_and_the_processes_they_started(
    supervisor: Supervisor, lines: list[str]
) -> None:
    parent = """
        import subprocess, sys, time
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print("grandchild", grandchild.pid, flush=True)
        time.sleep(60)
    """
    await supervisor.start(Child("parent", python(parent)), Child("sleeper", python(SLEEPER)))
    await eventually(printed(lines, "grandchild"), "the grandchild's pid is printed")
    grandchild = int(next(line for line in lines if "grandchild" in line).split()[-1])
    pids = [*supervisor.pids, grandchild]
    assert all(is_alive(pid) for pid in pids)

    await supervisor.stop()

    assert not [pid for pid in pids if is_alive(pid)]
    assert "oms         | parent stopped (was killed by SIGTERM)" in lines


async def test_a_child_that_ignores_sigterm_is_killed_after_the_bound(
    supervisor: Supervisor, lines: list[str]
) -> None:
    stubborn = """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring SIGTERM", flush=True)
        time.sleep(60)
    """
    await supervisor.start(Child("stubborn", python(stubborn)))
    await eventually(printed(lines, "ignoring SIGTERM"), "the child ignores SIGTERM")
    [pid] = supervisor.pids

    began = time.monotonic()
    await supervisor.stop()

    assert 1.0 <= time.monotonic() - began < BOUND_S
    assert not is_alive(pid)
    assert "oms         | stubborn did not stop in time: killing it" in lines
    assert "oms         | stubborn stopped (was killed by SIGKILL)" in lines


async def test_hurrying_a_stop_kills_at_once_instead_of_after_the_bound(lines: list[str]) -> None:
    stubborn = """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring SIGTERM", flush=True)
        time.sleep(60)
    """
    patient = Supervisor(lines.append, stop_grace=60.0, poll_interval=0.05)
    await patient.start(Child("stubborn", python(stubborn)))
    await eventually(printed(lines, "ignoring SIGTERM"), "the child ignores SIGTERM")
    [pid] = patient.pids

    stopping = asyncio.ensure_future(patient.stop())
    patient.hurry()
    await asyncio.wait_for(stopping, BOUND_S)

    assert not is_alive(pid)
    assert "oms         | stubborn stopped (was killed by SIGKILL)" in lines


async def test_a_child_that_exits_by_itself_is_reported_and_the_rest_are_stopped(
    supervisor: Supervisor, lines: list[str]
) -> None:
    failing = """
        import sys, time
        time.sleep(0.3)
        print("cannot go on: the disk is full", flush=True)
        sys.exit(3)
    """

    async def start() -> None:
        await supervisor.start(Child("steady", python(SLEEPER)))
        await supervisor.start(Child("failing", python(failing)))

    code = await asyncio.wait_for(supervise(supervisor, start), BOUND_S)

    assert code == 1
    assert "oms         | error: failing exited with code 3; its last lines:" in lines
    assert "oms         |   cannot go on: the disk is full" in lines
    assert "oms         | steady stopped (was killed by SIGTERM)" in lines
    assert not supervisor.pids


async def test_a_child_that_exits_before_it_is_ready_is_reported_with_its_exit_code(
    supervisor: Supervisor,
) -> None:
    async def never_ready() -> str | None:
        return "still warming up"

    child = Child("quitter", python("print('bad config'); raise SystemExit(2)"), probe=never_ready)

    with pytest.raises(LaunchError, match="quitter exited with code 2") as raised:
        await asyncio.wait_for(supervisor.start(child), BOUND_S)

    assert raised.value.details == ["bad config"]


async def test_a_child_that_is_not_ready_within_the_bound_is_reported_with_the_reason(
    supervisor: Supervisor,
) -> None:
    async def never_ready() -> str | None:
        return "still warming up"

    child = Child("slow", python(SLEEPER), probe=never_ready, ready_timeout=0.5)

    with pytest.raises(LaunchError, match=r"slow was not ready within 0.5 s: still warming up"):
        await asyncio.wait_for(supervisor.start(child), BOUND_S)


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
    for name in ("order-service-8070", "payment-service-8072", "order-service-18070"):
        (tmp_path / name / "tables").mkdir(parents=True)

    wiped = wipe_data_dirs(tmp_path)

    assert wiped == [tmp_path / "order-service-8070", tmp_path / "payment-service-8072"]
    assert [path.name for path in tmp_path.iterdir()] == ["order-service-18070"]


async def test_oms_broker_listens_on_its_port_and_stops_cleanly_on_sigint() -> None:
    port = free_port()
    oms = await asyncio.create_subprocess_exec(
        *python("from apps.cli import main; raise SystemExit(main())"),
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


async def test_a_restarted_child_comes_back_while_the_watch_raises_nothing(
    supervisor: Supervisor, lines: list[str]
) -> None:
    await supervisor.start(Child("steady", python(SLEEPER)), Child("phoenix", python(SLEEPER)))
    watching = asyncio.ensure_future(supervisor.watch())
    old_pids = supervisor.pids
    prepared: list[str] = []

    await asyncio.wait_for(
        supervisor.restart({"phoenix"}, lambda: prepared.append("wiped")), BOUND_S
    )
    await asyncio.sleep(0.2)  # a few watch rounds, which must not see a failure

    assert prepared == ["wiped"]
    assert supervisor.pids[0] == old_pids[0] and supervisor.pids[1] != old_pids[1]
    assert is_alive(supervisor.pids[1])
    assert not watching.done()
    watching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watching
