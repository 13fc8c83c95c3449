"""The supervisor on real processes: output, readiness, unexpected exits, restarts, stopping."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator

import pytest

from apps.cli.children import Child
from apps.cli.foreground import supervise
from apps.cli.restarts import Restarts
from apps.cli.supervisor import LaunchError, Supervisor
from apps.platform.readiness import RECOVERING
from tests.integration.children import BOUND_S, SLEEPER, eventually, is_alive, printed, python


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
async def supervisor(lines: list[str]) -> AsyncIterator[Supervisor]:
    supervisor = Supervisor(lines.append, stop_grace=1.0, poll_interval=0.05)
    yield supervisor
    await supervisor.stop()  # whatever a failing test left running


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

    # A process signalled is gone only once the kernel has ended it: wait for that.
    await eventually(lambda: not [pid for pid in pids if is_alive(pid)], "every process ends")
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


async def test_a_child_rebuilding_its_tables_is_waited_for_past_the_ready_timeout(
    supervisor: Supervisor,
) -> None:
    answers = iter([f"answered 503: {RECOVERING}"] * 8)

    async def recovering_then_ready() -> str | None:
        return next(answers, None)

    child = Child("rebuilding", python(SLEEPER), probe=recovering_then_ready, ready_timeout=0.1)

    await asyncio.wait_for(supervisor.start(child), BOUND_S)
    assert next(answers, "ready") == "ready"


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


async def test_a_child_that_may_restart_is_started_again_when_it_dies_and_the_rest_run_on(
    supervisor: Supervisor, lines: list[str]
) -> None:
    counting = "import os, time; print('restarts:', os.environ.get('OMS_RESTARTS', 0), flush=True)"
    phoenix = Child("phoenix", python(counting + "; time.sleep(60)"), restart=True)
    await supervisor.start(Child("steady", python(SLEEPER)), phoenix)
    watching = asyncio.ensure_future(supervisor.watch())
    steady, first = supervisor.pids

    os.kill(first, signal.SIGKILL)

    await eventually(lambda: supervisor.pids[1] != first, "phoenix is started again")
    await eventually(lambda: is_alive(supervisor.pids[1]), "the new phoenix runs")
    assert supervisor.pids[0] == steady and is_alive(steady)
    assert printed(lines, "phoenix was killed by SIGKILL: starting it again in 0.5 s")()
    await eventually(printed(lines, "restarts: 1"), "the new phoenix knows it was restarted")
    assert not watching.done()
    watching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watching


async def test_a_child_that_keeps_dying_stops_the_system_as_a_crash_loop(lines: list[str]) -> None:
    restarts = Restarts(first_pause=0.01, max_deaths=2)
    supervisor = Supervisor(lines.append, stop_grace=1.0, poll_interval=0.05, restarts=restarts)
    crashing = Child("crashing", python("print('bad config'); raise SystemExit(4)"), restart=True)

    async def start() -> None:
        await supervisor.start(Child("steady", python(SLEEPER)), crashing)

    code = await asyncio.wait_for(supervise(supervisor, start), BOUND_S)

    assert code == 1
    assert (
        "oms         | error: crashing died 3 times within 60 s; not starting it again. "
        "Its last lines:"
    ) in lines
    assert "oms         |   bad config" in lines
    assert "oms         | steady stopped (was killed by SIGTERM)" in lines
