"""The control socket: a request to a running `oms up`, its lines, then its status."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apps.cli import control


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
