"""The control socket of a running `oms up`: other `oms` commands ask it to act.

One JSON request a connection; the answer is lines of text, then `{"status": N}`.
The socket lives in the data dir, so it is found the same way the data is.
Requests: `{"command": "replay", "service": S}`, and `{"command": "pids"}`, answered
with one `<name> <pid>` line per child (broker, order, inventory, payment, order-2, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Handler = Callable[[dict[str, Any], Callable[[str], None]], Awaitable[int]]


def socket_path(data_dir: Path) -> Path:
    return data_dir / "oms.sock"


def _fresh(path: Path) -> Path:
    """`path`, with its directory made and a stale socket from a killed run removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return path


async def serve(path: Path, handle: Handler) -> asyncio.AbstractServer:
    """Serve requests on the Unix socket at `path` (replacing a stale one)."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def emit(line: str) -> None:
            writer.write(json.dumps({"line": line}).encode() + b"\n")

        try:
            request = json.loads(await reader.readline())
            status = await handle(request, emit)
        except Exception as exc:  # the answer says what went wrong; oms up goes on
            emit(f"error: {exc}")
            status = 1
        writer.write(json.dumps({"status": status}).encode() + b"\n")
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    return await asyncio.start_unix_server(on_connect, path=str(_fresh(path)))


def call(path: Path, request: dict[str, Any], emit: Callable[[str], None] = print) -> int:
    """Send `request` to the `oms up` listening at `path`; print its answer; its status."""
    if not path.exists():
        emit(f"no running `oms up` here ({path} is missing): start the system with make run")
        return 2
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError as exc:
            emit(f"`oms up` does not answer on {path} ({exc}): is it still running?")
            return 2
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("r") as answers:
            for raw in answers:
                answer = json.loads(raw)
                if "status" in answer:
                    return int(answer["status"])
                emit(answer["line"])
    emit("`oms up` closed the connection without a status")
    return 1


def pids(path: Path) -> dict[str, int]:
    """The name and pid of each child of the `oms up` listening at `path`.

    Raises OSError, naming the socket, when no `oms up` answers there.
    """
    lines: list[str] = []
    if call(path, {"command": "pids"}, lines.append) != 0:
        raise OSError(f"`oms up` at {path} gave no pids: {' '.join(lines)}")
    return {name: int(pid) for name, pid in (line.split() for line in lines)}
