"""`oms bench`: load the system as asked, measure it and the raw references, report, check."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from apps.cli import check, rest
from apps.cli.bench import (
    cpu,
    load,
    metrics,
    reference,
    report,
    search,
    summary,
    system,
    table,
    wire,
)
from apps.cli.bench.mix import EXPECTED_END, OK, cycle, kind_of
from apps.cli.bench.options import CLOSED, FIND_MAX, OVERLOAD, Options, default_json_path
from apps.cli.bench.plot import draw
from apps.cli.bench.records import OrderRecord, describe
from apps.platform.settings import Settings

Emit = Callable[[str], None]
#: What `oms check` allows an order outside a terminal state, as its default.
SAGA_TIMEOUT = timedelta(seconds=120)
#: The system has caught up after a stretch once a lone order settles within this.
RECOVERED_S = 1.0
#: How long to wait for that at most before going on regardless (and saying so).
RECOVERY_BOUND_S = 120.0


@dataclass
class Bench:
    """One run's context: where the load goes, whose CPU counts, and what was measured."""

    options: Options
    client: aiohttp.ClientSession
    target: load.Target
    pids: dict[str, int]
    metrics_urls: dict[str, list[str]]
    emit: Emit
    measured: list[report.Measurement] = field(default_factory=list)
    placed: int = 0  # orders placed so far: the next stretch goes on with the mix
    #: Each wait for the system to catch up: before which stretch, how long, whether it did.
    recoveries: list[dict[str, Any]] = field(default_factory=list)

    async def stretch(
        self,
        label: str,
        offered: float | None,
        placing: Callable[[int], Awaitable[list[OrderRecord]]],
        overload_of: float | None = None,
    ) -> report.Measurement:
        """Run one stretch of load, reading CPU, events and wire counts on either side of it."""
        self.emit(f"{label}...")
        loop = asyncio.get_running_loop()
        scraped_before = await metrics.scrape(self.client, self.metrics_urls)
        cpu_before = cpu.read(self.pids, loop.time())
        records = await placing(self.placed)
        cpu_after = cpu.read(self.pids, loop.time())
        scraped_after = await metrics.scrape(self.client, self.metrics_urls)
        self.placed += len(records)
        measured = report.Measurement(
            label,
            offered,
            records,
            cpu_before,
            cpu_after,
            metrics.events_handled(scraped_before),
            metrics.events_handled(scraped_after),
            overload_of,
            wire_before=wire.totals(scraped_before),
            wire_after=wire.totals(scraped_after),
        )
        self.measured.append(measured)
        return measured

    async def at_rate(
        self, label: str, rate: float, duration: float, overload_of: float | None = None
    ) -> report.Measurement:
        def placing(first: int) -> Awaitable[list[OrderRecord]]:
            return load.open_loop(self.client, self.target, rate, duration, first)

        return await self.stretch(label, rate, placing, overload_of)


async def run(options: Options, emit: Emit = print) -> int:
    """The whole run; 0 if every order ended as its kind must and every invariant held."""
    settings = Settings.from_env()
    json_path = options.json_path or default_json_path(settings.data_dir)
    async with contextlib.AsyncExitStack() as stack:
        if options.start:
            log = json_path.with_suffix(".log")
            emit(f"starting the broker and the services (their output: {log})...")
            await stack.enter_async_context(system.started(options.workers, log))
        result = await measure(options, settings, json_path.parent / json_path.stem, emit)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    for line in table.lines_of(result):
        emit(line)
    emit(f"figures written to {json_path}")
    if options.plot_path is not None:
        emit(draw(options.plot_path, {m["label"]: m["timeline"] for m in result["loads"]}))
    for reason in result["verdict"]["failures"]:
        emit(f"FAILED: {reason}")
    return 0 if result["verdict"]["passed"] else 1


async def measure(options: Options, settings: Settings, logs: Path, emit: Emit) -> dict[str, Any]:
    urls = {"order": options.order_url, "inventory": options.inventory_url}
    urls["payment"] = options.payment_url
    await asyncio.to_thread(rest.require_ready, *urls.values())
    # In a thread: with --start, the control socket is served by this very loop.
    pids, source = await asyncio.to_thread(system.find_pids, options.pids, settings)
    emit(f"pids: {', '.join(f'{n} {p}' for n, p in pids.items()) or 'none'} ({source})")
    catalog = await asyncio.to_thread(system.create_catalog, options.inventory_url, emit)
    target = load.Target(options.order_url, catalog, cycle())
    async with load.session() as client:
        bench = Bench(options, client, target, pids, system.metrics_urls(urls, pids), emit)
        await warm_up(bench)
        idle = await idle_cores(pids, options.idle_seconds, emit)
        steps, best = await load_as_asked(bench)
    references = {}
    if options.reference:
        emit("raw references on the same broker...")
        plan = reference.Plan(options.broker_url, options.reference_messages, options.hops)
        references = await reference.run_all(plan, logs)
    check_lines: list[str] = []
    check_status = await asyncio.to_thread(
        check.run, *urls.values(), SAGA_TIMEOUT, check_lines.append
    )
    return summary.assemble(
        options,
        bench.measured,
        pids=pids,
        idle=idle,
        steps=steps,
        best=best,
        references=references,
        check_status=check_status,
        check_lines=check_lines,
        recoveries=bench.recoveries,
    )


async def warm_up(bench: Bench) -> None:
    """One order of each kind, not measured: the first message on a fresh topic is slow."""
    period = bench.target.period
    firsts = {kind_of(n, period): n for n in reversed(range(len(period)))}
    clock = load.started_clock()
    done = await asyncio.gather(
        *(load.place(bench.client, bench.target, n, 0.0, clock) for n in firsts.values())
    )
    wrong = [describe(r) for r in done if not r.as_expected]
    if wrong:
        raise rest.ServiceError(f"the warm-up orders did not end as they must: {', '.join(wrong)}")
    bench.emit("warm-up: " + ", ".join(f"{r.kind} {EXPECTED_END[r.kind]}" for r in done))


async def idle_cores(pids: dict[str, int], seconds: float, emit: Emit) -> dict[str, float]:
    """Each process's CPU with no load, as a fraction of a core."""
    if not pids or seconds <= 0:
        return {}
    emit(f"idle CPU over {seconds:g} s...")
    loop = asyncio.get_running_loop()
    before = cpu.read(pids, loop.time())
    await asyncio.sleep(seconds)  # the measuring window itself, not a wait for something
    idle = cpu.system_only(cpu.cores(before, cpu.read(pids, loop.time())))
    return {name: round(cores, 4) for name, cores in idle.items()}


@contextlib.contextmanager
def killing_later(bench: Bench) -> Iterator[None]:
    """`--kill NAME`: kill (or pause) that process `--kill-after` seconds into what runs
    inside (a failover); a paused process is continued after it."""
    name, after, how = bench.options.kill, bench.options.kill_after, bench.options.kill_signal
    if name is None:
        yield
        return
    pid = bench.pids.get(name)
    if pid is None:
        known = ", ".join(bench.pids) or "none"
        raise rest.ServiceError(f"no process {name!r} to kill (the pids known: {known})")
    sent = signal.Signals[f"SIG{how}"]

    def kill() -> None:
        os.kill(pid, sent)
        bench.emit(f"killed {name} (pid {pid}) with {sent.name}, {after:g} s into the load")

    timer = asyncio.get_running_loop().call_later(after, kill)
    try:
        yield
    finally:
        timer.cancel()
        if sent == signal.SIGSTOP:
            os.kill(pid, signal.SIGCONT)
            bench.emit(f"continued {name} (pid {pid})")


async def load_as_asked(bench: Bench) -> tuple[list[dict[str, Any]], float | None]:
    """The stretches of load the mode asks for; find-max's steps and best rate, if searched."""
    options = bench.options
    if options.mode == CLOSED:
        await bench.stretch(
            options.label(),
            None,
            lambda first: load.closed_loop(
                bench.client, bench.target, options.orders, options.concurrency
            ),
        )
        return [], None
    if options.mode == OVERLOAD:
        await bench.at_rate(options.label(), 2 * options.rate, options.duration, options.rate)
        return [], options.rate
    if options.mode != FIND_MAX:
        with killing_later(bench):
            await bench.at_rate(options.label(), options.rate, options.duration)
        return [], None
    steps = await find_max(bench)
    best = search.max_sustained([(s["rate"], s["passed"]) for s in steps])
    if options.overload and best:
        label = f"overload: twice {best:.1f} orders/s for {options.duration:g} s"
        await caught_up(bench, label)
        await bench.at_rate(
            label,
            2 * best,
            options.duration,
            best,
        )
    return steps, best


async def find_max(bench: Bench) -> list[dict[str, Any]]:
    """Steps of rate, grown while they pass, then narrowed; within the time cap."""
    options = bench.options
    loop = asyncio.get_running_loop()
    deadline = loop.time() + options.max_seconds
    steps: list[dict[str, Any]] = []
    rate: float | None = options.start_rate
    while rate is not None and loop.time() + options.step_seconds <= deadline:
        label = f"step {len(steps) + 1}: {rate:.1f} orders/s"
        if steps:
            await caught_up(bench, label)
        measured = await bench.at_rate(label, rate, options.step_seconds)
        step = search.step_of(measured.records, rate, options.step_seconds)
        reasons = search.verdict(step)
        steps.append(report.step_figures(step, reasons))
        bench.emit(table.step_lines(steps[-1:], None)[1])
        rate = search.next_rate([(s["rate"], s["passed"]) for s in steps])
    return steps


async def caught_up(bench: Bench, before: str) -> None:
    """Wait until a lone order settles promptly: the last stretch's backlog is worked off.

    A POST that answered 504 may still land later, so an overloaded system can go on
    working for minutes after its load stopped; the next stretch starts after that.
    """
    lone = bench.target.period.index(OK)
    clock = load.started_clock()
    caught = False
    while not caught and clock() < RECOVERY_BOUND_S:
        probe = await load.place(bench.client, bench.target, lone, clock(), clock)
        latency = probe.terminal_latency
        caught = probe.as_expected and latency is not None and latency < RECOVERED_S
    bench.recoveries.append({"before": before, "seconds": round(clock(), 1), "caught_up": caught})
    if not caught:
        bench.emit(f"still behind after {RECOVERY_BOUND_S:g} s: going on regardless")
    elif clock() > RECOVERED_S:
        bench.emit(f"caught up after {clock():.0f} s")
