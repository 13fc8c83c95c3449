"""The raw references, run on the system's broker: a bare aiokafka relay and a bare Faust agent.

For each, a probe (`python -m apps.reference.probe`) makes two fresh topics, the
reference (`python -m apps.reference.relay` or `.forward`) relays one to the other,
and the probe times a burst through it and then single messages, one hop each. The
reference's CPU is read at the edges of the burst. Both are child processes: the
`oms` command imports no Kafka client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

from apps.cli.bench import cpu
from apps.cli.bench.stats import rate, summary_ms

#: The references, by name: the module each runs as.
REFERENCES = {"aiokafka_relay": "apps.reference.relay", "faust_forward": "apps.reference.forward"}
#: Bound on one reference's whole run (start, warm-up, burst, hops).
RUN_TIMEOUT_S = 600.0
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class Plan:
    """How much each reference relays: a burst of `messages`, then `hops` one by one."""

    broker_url: str
    messages: int = 20_000
    hops: int = 100
    hop_rate: float = 20.0
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def figures(
    messages: int, seconds: float, cpu_s: float | None, hops_s: list[float]
) -> dict[str, Any]:
    """One reference's line of the report, from what the probe and /proc said."""
    per_event = None if cpu_s is None or not messages else round(cpu_s * 1000 / messages, 4)
    return {
        "messages": messages,
        "seconds": round(seconds, 3),
        "events_per_s": round(rate(messages, seconds), 1),
        "cpu_s": None if cpu_s is None else round(cpu_s, 3),
        "cpu_ms_per_event": per_event,
        "hop_ms": summary_ms(hops_s),
    }


async def run_all(plan: Plan, log_dir: Path) -> dict[str, dict[str, Any]]:
    """Each reference in turn (so they never share the CPU): its figures, or why it has none."""
    results = {}
    for name, module in REFERENCES.items():
        try:
            results[name] = await run_one(name, module, plan, log_dir)
        except (RuntimeError, TimeoutError) as exc:
            results[name] = {"error": str(exc) or f"{name} timed out; see the logs in {log_dir}"}
    return results


async def run_one(name: str, module: str, plan: Plan, log_dir: Path) -> dict[str, Any]:
    topics = [f"reference-{uuid4().hex[:8]}-{end}" for end in ("in", "out")]
    where = ["--broker-url", plan.broker_url, "--source", topics[0], "--sink", topics[1]]
    await asyncio.to_thread(log_dir.mkdir, parents=True, exist_ok=True)
    probe = await _spawn(
        [*where, "--messages", str(plan.messages), "--hops", str(plan.hops),
         "--hop-rate", str(plan.hop_rate)],
        "apps.reference.probe", plan.env, log_dir / f"{name}-probe.log", stdout=True,
    )  # fmt: skip
    reference: asyncio.subprocess.Process | None = None
    try:
        async with asyncio.timeout(RUN_TIMEOUT_S):
            await _expect(probe, "topics", name, log_dir)
            reference = await _spawn(where, module, plan.env, log_dir / f"{name}.log")
            await _while_alive(reference, _expect(probe, "burst", name, log_dir), name, log_dir)
            before = cpu.read({name: reference.pid}, 0.0)
            burst = await _while_alive(
                reference, _expect(probe, "burst_end", name, log_dir), name, log_dir
            )
            after = cpu.read({name: reference.pid}, 0.0)
            hops = await _while_alive(
                reference, _expect(probe, "hops", name, log_dir), name, log_dir
            )
    finally:
        for process in (probe, reference):
            if process is not None:
                await _stop(process)
    used = cpu.used(before, after).get(name)
    return figures(burst["messages"], burst["seconds"], used, hops["seconds"])


async def _spawn(
    args: list[str], module: str, env: Mapping[str, str], log: Path, *, stdout: bool = False
) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if stdout else sink,
            stderr=sink,
            env=dict(env),
            start_new_session=True,  # its own group, so a stop reaches what it started
        )  # fmt: skip


async def _expect(
    probe: asyncio.subprocess.Process, event: str, name: str, log_dir: Path
) -> dict[str, Any]:
    """The probe's next lines up to the one announcing `event`; RuntimeError if it ends first."""
    assert probe.stdout is not None
    while raw := await probe.stdout.readline():
        if not raw.startswith(b"{"):
            continue  # a library's chatter on stdout, not a milestone
        line = json.loads(raw)
        if line["event"] == event:
            return dict(line)
    await probe.wait()
    raise RuntimeError(
        f"the {name} probe exited ({probe.returncode}) before {event!r}; see the logs in {log_dir}"
    )


async def _while_alive(
    reference: asyncio.subprocess.Process,
    milestone: Coroutine[Any, Any, dict[str, Any]],
    name: str,
    log_dir: Path,
) -> dict[str, Any]:
    """The probe's milestone; RuntimeError at once if the reference dies before it."""
    awaited = asyncio.ensure_future(milestone)
    exited = asyncio.ensure_future(reference.wait())
    try:
        await asyncio.wait([awaited, exited], return_when=asyncio.FIRST_COMPLETED)
    finally:
        exited.cancel()
    if not awaited.done():
        awaited.cancel()
        raise RuntimeError(
            f"{name} exited ({reference.returncode}); see {log_dir / (name + '.log')}"
        )
    return awaited.result()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), STOP_GRACE_S)
    # Whatever is left of its group would be orphaned.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()
