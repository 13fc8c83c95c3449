"""Run child processes in the foreground: start them in stages, stream, watch, stop them all."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from apps.cli.children import (
    Child,
    Emit,
    Output,
    Probe,
    Process,
    describe_exit,
    drain,
    labelled,
    print_line,
    signal_group,
)

#: How long a process may take to stop after SIGTERM before it is killed.
STOP_GRACE_S = 10.0
POLL_INTERVAL_S = 0.2
PROBE_TIMEOUT_S = 2.0


class LaunchError(Exception):
    """The system cannot start or keep running; the message says why, `details` show it."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


class Supervisor:
    """Starts children in stages, watches them, and stops them stage by stage in reverse."""

    def __init__(
        self,
        emit: Emit = print_line,
        *,
        stop_grace: float = STOP_GRACE_S,
        poll_interval: float = POLL_INTERVAL_S,
    ) -> None:
        self.emit = emit
        self.stop_grace = stop_grace
        self.poll_interval = poll_interval
        self._stages: list[list[Process]] = []
        self._hurry = asyncio.Event()
        #: Children being restarted on purpose: their exit is not a failure.
        self._restarting: set[str] = set()
        self._on_stop: list[Callable[[], None]] = []

    def log(self, message: str) -> None:
        self.emit(labelled("oms", message))

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes()]

    async def start(self, *children: Child) -> None:
        """Start `children` together and wait until each is ready; they form the next stage."""
        stage: list[Process] = []
        self._stages.append(stage)
        for child in children:
            # Registered before anything else is awaited, so stop() always finds it.
            stage.append(await self._spawn(child))
        await self._wait_all(self._wait_ready(process) for process in stage)

    async def watch(self) -> None:
        """Return only by raising LaunchError, when some child has exited by itself."""
        while True:
            # Bounded, so a child restarted meanwhile is watched from its new start.
            await self._wait_for_an_exit(at_most=self.poll_interval)
            await self._raise_if_any_exited()

    async def restart(self, names: set[str], prepare: Callable[[], None] = lambda: None) -> None:
        """Stop the children named, call `prepare`, start them again and wait until ready."""
        places = [
            (stage, index)
            for stage in self._stages
            for index, process in enumerate(stage)
            if process.child.name in names
        ]
        self._restarting |= names
        try:
            await asyncio.gather(*(self._stop(stage[index]) for stage, index in places))
            prepare()
            for stage, index in places:
                stage[index] = await self._spawn(stage[index].child)
            await self._wait_all(self._wait_ready(stage[index]) for stage, index in places)
        finally:
            self._restarting -= names

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` once every child has stopped."""
        self._on_stop.append(callback)

    async def stop(self) -> None:
        """Stop every child, the last stage first; the children of a stage together."""
        while self._stages:
            stage = self._stages.pop()
            await asyncio.gather(*(self._stop(process) for process in stage))
        while self._on_stop:
            self._on_stop.pop()()

    def hurry(self) -> None:
        """Kill whatever is still stopping now, instead of after the grace period."""
        self._hurry.set()

    async def _spawn(self, child: Child) -> Process:
        loop = asyncio.get_running_loop()
        try:
            transport, output = await loop.subprocess_exec(
                lambda: Output(child.name, self.emit),
                *child.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=None if child.env is None else dict(child.env),
                # Its own process group: signals reach its children too, and a Ctrl-C
                # at the terminal reaches only us, so we decide the order of stopping.
                start_new_session=True,
            )
        except OSError as exc:
            raise LaunchError(f"cannot run {child.name} ({child.argv[0]}): {exc}") from None
        return Process(child, transport, output)

    async def _wait_ready(self, process: Process) -> None:
        child = process.child
        if child.probe is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + child.ready_timeout
        while True:
            await self._raise_if_any_exited()
            reason = await _ask(child.probe)
            if reason is None:
                return
            if loop.time() >= deadline:
                raise LaunchError(
                    f"{child.name} was not ready within {child.ready_timeout:g} s: {reason}",
                    process.output.tail,
                )
            await self._wait_for_an_exit(at_most=self.poll_interval)

    async def _wait_for_an_exit(self, at_most: float) -> None:
        exits = [
            process.output.exited
            for process in self._processes()
            if process.child.name not in self._restarting
        ]
        if exits:
            await asyncio.wait(exits, timeout=at_most, return_when=asyncio.FIRST_COMPLETED)
        else:
            await asyncio.sleep(at_most)

    async def _raise_if_any_exited(self) -> None:
        for process in self._processes():
            if process.returncode is not None and process.child.name not in self._restarting:
                await drain(process)
                raise LaunchError(
                    f"{process.child.name} {describe_exit(process.returncode)}; its last lines:",
                    process.output.tail,
                )

    async def _stop(self, process: Process) -> None:
        name = process.child.name
        if process.returncode is None:
            signal_group(process.pid, process.child.stop_signal)
            if not await self._exits_within(process, self.stop_grace):
                self.log(f"{name} did not stop in time: killing it")
                signal_group(process.pid, signal.SIGKILL)
                await asyncio.wait([process.output.exited], timeout=self.stop_grace)
        # The leader is gone; whatever is left of its group would be orphaned.
        signal_group(process.pid, signal.SIGKILL)
        await drain(process)
        process.transport.close()
        self.log(f"{name} stopped ({describe_exit(process.returncode)})")

    async def _exits_within(self, process: Process, seconds: float) -> bool:
        hurry = asyncio.ensure_future(self._hurry.wait())
        either: list[asyncio.Future[Any]] = [process.output.exited, hurry]
        try:
            await asyncio.wait(either, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hurry.cancel()
        return process.output.exited.done()

    async def _wait_all(self, waits: Iterator[Awaitable[None]]) -> None:
        tasks = [asyncio.ensure_future(wait) for wait in waits]
        if not tasks:
            return
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:
                task.cancel()
        for task in done:
            if (error := task.exception()) is not None:
                raise error

    def _processes(self) -> list[Process]:
        return [process for stage in self._stages for process in stage]


async def _ask(probe: Probe) -> str | None:
    try:
        return await asyncio.wait_for(probe(), PROBE_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {PROBE_TIMEOUT_S:g} s"


async def supervise(supervisor: Supervisor, start: Callable[[], Awaitable[None]]) -> int:
    """Start, then run until SIGINT or SIGTERM (0) or a failure (1); always stop everything."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _on_stop_signal, supervisor, stop, sig)
    work = asyncio.ensure_future(_start_and_watch(supervisor, start))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([work, stopped], return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            return 0
        return _report(supervisor, work.exception())
    finally:
        for task in (work, stopped):
            task.cancel()
        await asyncio.gather(work, stopped, return_exceptions=True)
        await supervisor.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _start_and_watch(supervisor: Supervisor, start: Callable[[], Awaitable[None]]) -> None:
    await start()
    await supervisor.watch()


def _on_stop_signal(supervisor: Supervisor, stop: asyncio.Event, sig: int) -> None:
    if stop.is_set():
        supervisor.log("asked again: killing what is left")
        supervisor.hurry()
        return
    supervisor.log(f"{signal.Signals(sig).name}: stopping")
    stop.set()


def _report(supervisor: Supervisor, error: BaseException | None) -> int:
    if not isinstance(error, LaunchError):
        raise error or RuntimeError("the supervisor returned without an error")
    supervisor.log(f"error: {error}")
    for line in error.details:
        supervisor.log(f"  {line}")
    return 1
