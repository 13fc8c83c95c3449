"""The control socket: a request to a running `oms up`, its lines, then its status."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apps.cli import control
from apps.cli.children import Child
from apps.cli.launcher import serve_control
from apps.cli.supervisor import Supervisor
from apps.platform.settings import Settings
from tests.integration.children import SLEEPER, python


async def test_a_request_is_answered_line_by_line_then_with_a_status(tmp_path: Path) -> None:
    path = control.socket_path(tmp_path)

    async def handle(request: dict[str, Any], emit: Callable[[str], None]) -> int:
        emit(f"replaying {request['service']}")
        emit("done")
        return 3

    server = await control.serve(path, handle)
    lines: list[str] = []
    try:
        status = await asyncio.to_thread(
            control.call, path, {"command": "replay", "service": "order"}, lines.append
        )
    finally:
        server.close()

    assert status == 3
    assert lines == ["replaying order", "done"]


async def test_a_handler_that_fails_answers_the_error_and_status_one(tmp_path: Path) -> None:
    path = control.socket_path(tmp_path)

    async def handle(request: dict[str, Any], emit: Callable[[str], None]) -> int:
        raise RuntimeError("boom")

    server = await control.serve(path, handle)
    lines: list[str] = []
    try:
        status = await asyncio.to_thread(control.call, path, {}, lines.append)
    finally:
        server.close()

    assert (status, lines) == (1, ["error: boom"])


def test_without_a_running_oms_up_the_call_says_so(tmp_path: Path) -> None:
    lines: list[str] = []

    status = control.call(control.socket_path(tmp_path), {}, lines.append)

    assert status == 2 and "no running `oms up`" in lines[0]


async def test_oms_up_answers_the_name_and_pid_of_each_child(tmp_path: Path) -> None:
    supervisor = Supervisor(lambda line: None, stop_grace=1.0)
    try:
        await supervisor.start(Child("broker", python(SLEEPER)))
        await supervisor.start(Child("order", python(SLEEPER)), Child("order-2", python(SLEEPER)))
        await serve_control(supervisor, Settings(data_dir=tmp_path), ["broker", "order", "order-2"])
        started = supervisor.pids

        pids = await asyncio.to_thread(control.pids, control.socket_path(tmp_path))
    finally:
        await supervisor.stop()

    assert pids == dict(zip(["broker", "order", "order-2"], started, strict=True))


def test_asking_for_pids_without_a_running_oms_up_raises_naming_the_socket(
    tmp_path: Path,
) -> None:
    path = control.socket_path(tmp_path)

    with pytest.raises(OSError, match=str(path)):
        control.pids(path)
