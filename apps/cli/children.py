"""A child process as the supervisor runs it: its command, its output line by line, its end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

#: Wide enough for every name, so the output of the processes lines up.
LABEL_WIDTH = len("inventory-2")
READY_TIMEOUT_S = 120.0
#: How long output may keep arriving after its process has exited.
DRAIN_TIMEOUT_S = 1.0
TAIL_LINES = 20
#: A "line" longer than this is cut, so a child without newlines cannot fill memory.
MAX_LINE_BYTES = 64 * 1024

#: Answers None once a child is ready, else why it is not (for the error message).
Probe = Callable[[], Awaitable[str | None]]
Emit = Callable[[str], None]


def print_line(line: str) -> None:
    print(line, flush=True)


def labelled(label: str, line: str) -> str:
    return f"{label:<{LABEL_WIDTH}} | {line}"


def shown(label: str, line: str, *, json_lines: bool = False) -> str:
    """How a child's line is printed: labelled, but a JSON object of a child that writes
    them as it is, so `grep` and `jq` read it (what it printed otherwise, such as a
    traceback before its logging was set up, is still labelled)."""
    if json_lines and line.startswith("{") and line.endswith("}"):
        return line
    return labelled(label, line)


@dataclass
class Child:
    """A process to run: its name in the output, its command line and its readiness."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    probe: Probe | None = None
    ready_timeout: float = READY_TIMEOUT_S
    stop_signal: int = signal.SIGTERM
    #: Started again when it dies, rather than stopping the system (see `restarts`).
    restart: bool = False
    #: Writes its log as JSON objects, one a line: those are printed unlabelled.
    json_lines: bool = False


class Output(asyncio.SubprocessProtocol):
    """Emits a child's output line by line, keeps its tail, and tells when it has gone."""

    def __init__(self, name: str, emit: Emit, *, json_lines: bool = False) -> None:
        loop = asyncio.get_running_loop()
        self.name = name
        self.emit = emit
        self.json_lines = json_lines
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self._buffer = bytearray()
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._buffer += data
        *lines, rest = self._buffer.split(b"\n")
        self._buffer = bytearray(rest)
        for line in lines:
            self._emit_line(line)
        if len(self._buffer) > MAX_LINE_BYTES:
            self._flush()

    def process_exited(self) -> None:
        resolve(self.exited)

    def connection_lost(self, exc: Exception | None) -> None:
        # Called once the process has exited and every pipe is closed: nothing more comes.
        self._flush()
        resolve(self.closed)
        if self._transport is not None:
            self._transport.close()

    def _flush(self) -> None:
        if self._buffer:
            self._emit_line(self._buffer)
            self._buffer.clear()

    def _emit_line(self, raw: bytes | bytearray) -> None:
        line = raw.decode(errors="replace").rstrip("\r")
        self.tail.append(line)
        self.emit(shown(self.name, line, json_lines=self.json_lines))


def resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass
class Process:
    """A started child."""

    child: Child
    transport: asyncio.SubprocessTransport
    output: Output

    @property
    def pid(self) -> int:
        return self.transport.get_pid()

    @property
    def returncode(self) -> int | None:
        return self.transport.get_returncode()


async def drain(process: Process) -> None:
    """Let the output that was written before the exit reach the tail."""
    await asyncio.wait([process.output.closed], timeout=DRAIN_TIMEOUT_S)


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pgid, sig)


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "is still running"
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"
