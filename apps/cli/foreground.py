"""Run a supervisor in the foreground: until Ctrl-C (or SIGTERM), or until it fails."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from apps.cli.supervisor import LaunchError, Supervisor


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
