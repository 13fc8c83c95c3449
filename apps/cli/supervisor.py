"""Run child processes: start them in stages, stream, watch, start again, stop them all."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
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
from apps.cli.restarts import Restarts
from apps.platform.readiness import RECOVERING

#: Tells a child started again how many times it was (a worker shows it in its metrics).
RESTARTS = "OMS_RESTARTS"

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
    """Starts children in stages, watches them, starts again those that die (if they may),
    and stops them stage by stage in reverse."""

    def __init__(
        self,
        emit: Emit = print_line,
        *,
        stop_grace: float = STOP_GRACE_S,
        poll_interval: float = POLL_INTERVAL_S,
        restarts: Restarts | None = None,
    ) -> None:
        self.emit = emit
        self.stop_grace = stop_grace
        self.poll_interval = poll_interval
        self.restarts = restarts or Restarts()
        self._stages: list[list[Process]] = []
        self._hurry = asyncio.Event()
        #: Children being restarted on purpose: their exit is not a failure.
        self._restarting: set[str] = set()
        self._revivals: set[asyncio.Task[None]] = set()
        #: How many times each child was started again (it tells its metrics: OMS_RESTARTS).
        self._revived: Counter[str] = Counter()
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
        """Start again each child that dies and may be restarted; return only by raising
        LaunchError, when another child exits or one dies in a crash loop."""
        while True:
            # Bounded, so a child restarted meanwhile is watched from its new start.
            await self._wait_for_an_exit(at_most=self.poll_interval)
            for stage, index in self._places(self._has_died):
                if not stage[index].child.restart:
                    await self._raise_exited(stage[index])
                self._revive_later(stage, index)

    def _has_died(self, process: Process) -> bool:
        return process.returncode is not None and process.child.name not in self._restarting

    def _revive_later(self, stage: list[Process], index: int) -> None:
        """Start the dead child at `stage[index]` again after the policy's pause."""
        process = stage[index]
        name = process.child.name
        pause = self.restarts.pause_after_death(name, asyncio.get_running_loop().time())
        deaths = self.restarts.deaths(name)
        if pause is None:
            raise LaunchError(
                f"{name} died {deaths} times within {self.restarts.window:g} s; "
                "not starting it again. Its last lines:",
                process.output.tail,
            )
        self.log(
            f"{name} {describe_exit(process.returncode)}: starting it again in {pause:g} s "
            f"({deaths} in the last {self.restarts.window:g} s)"
        )
        self._restarting.add(name)
        task = asyncio.ensure_future(self._revive(stage, index, pause))
        self._revivals.add(task)
        task.add_done_callback(self._revivals.discard)

    async def _revive(self, stage: list[Process], index: int, pause: float) -> None:
        dead = stage[index]
        name = dead.child.name
        try:
            signal_group(dead.pid, signal.SIGKILL)  # whatever it started is orphaned
            await drain(dead)
            dead.transport.close()
            await asyncio.sleep(pause)
            began = asyncio.get_running_loop().time()
            self._revived[name] += 1
            stage[index] = await self._spawn(dead.child, revived=self._revived[name])
        finally:
            self._restarting.discard(name)
        self.log(f"{name} started again (pid {stage[index].pid})")
        if dead.child.probe is not None:
            while stage[index].returncode is None:
                if await _ask(dead.child.probe) is None:
                    elapsed = asyncio.get_running_loop().time() - began
                    self.log(f"{name} is serving again, {elapsed:.1f} s after its start")
                    return
                await self._wait_for_an_exit(at_most=self.poll_interval)

    async def restart(self, names: set[str], prepare: Callable[[], None] = lambda: None) -> None:
        """Stop the children named, call `prepare`, start them again and wait until ready."""
        places = self._places(lambda process: process.child.name in names)
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
        for revival in list(self._revivals):
            revival.cancel()
        await asyncio.gather(*self._revivals, return_exceptions=True)
        while self._stages:
            stage = self._stages.pop()
            await asyncio.gather(*(self._stop(process) for process in stage))
        while self._on_stop:
            self._on_stop.pop()()

    def hurry(self) -> None:
        """Kill whatever is still stopping now, instead of after the grace period."""
        self._hurry.set()

    async def _spawn(self, child: Child, revived: int = 0) -> Process:
        loop = asyncio.get_running_loop()
        env = None if child.env is None else dict(child.env)
        if revived:
            env = {**(env or os.environ), RESTARTS: str(revived)}
        try:
            transport, output = await loop.subprocess_exec(
                lambda: Output(child.name, self.emit, json_lines=child.json_lines),
                *child.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
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
            if RECOVERING in reason:
                # Rebuilding tables takes as long as the changelogs are long (minutes
                # with a broker that kept much): the bound counts from when it ends.
                deadline = loop.time() + child.ready_timeout
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
        for process in filter(self._has_died, self._processes()):
            await self._raise_exited(process)

    async def _raise_exited(self, process: Process) -> None:
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

    def _places(self, wanted: Callable[[Process], bool]) -> list[tuple[list[Process], int]]:
        """Where the processes that are `wanted` sit: (their stage, their index in it)."""
        return [
            (stage, index)
            for stage in self._stages
            for index, process in enumerate(stage)
            if wanted(process)
        ]


async def _ask(probe: Probe) -> str | None:
    try:
        return await asyncio.wait_for(probe(), PROBE_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {PROBE_TIMEOUT_S:g} s"
