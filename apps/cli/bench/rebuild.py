"""`oms bench --replay`: what rebuilding each service's tables costs, against a bare read
of the same changelogs from the same broker, in the same run (docs/performance.md,
"Rebuilding state").

For each service in turn: the records its changelogs hold and the time a bare aiokafka
consumer takes to read them all; then `oms replay SERVICE` through the running `oms up`
(digests, a restart without local state, digests again), timed whole; and from the new
worker's /metrics, its start in steps (seconds since its process began: imported,
joined, restored, ready, indexed), and the records its restore read and how long.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.request import urlopen

from apps.cli import control
from apps.cli.bench.metrics import counter_sum, samples
from apps.cli.rest import get
from apps.platform.settings import SERVICES, Settings, app_id
from apps.platform.startup import STEPS

Emit = Callable[[str], None]

#: Bound on one bare read, from its process's start.
BARE_READ_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class BareRead:
    """All of a service's changelogs, read by a consumer that does nothing else."""

    records: int
    megabytes: float
    seconds: float


@dataclass(frozen=True)
class Rebuild:
    """One service's rebuild, and the bare read of its changelogs just before it."""

    service: str
    bare: BareRead
    #: `oms replay SERVICE`, whole: two digest walks, the restart, the rebuild.
    replay_seconds: float
    same_digests: bool
    #: The new worker's start: seconds since its process began, at each step.
    steps: dict[str, float]
    restored_records: int
    restore_seconds: float

    @property
    def restore_rate(self) -> float:
        return self.restored_records / self.restore_seconds if self.restore_seconds else 0.0

    @property
    def bare_rate(self) -> float:
        return self.bare.records / self.bare.seconds if self.bare.seconds else 0.0


async def bare_read(broker_url: str, service: str) -> BareRead:
    """Every record of `service`'s changelogs, read by `python -m apps.reference.changelogs`
    (a child process: the `oms` command imports no Kafka client)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "apps.reference.changelogs",
        "--broker-url",
        broker_url,
        "--prefix",
        f"{app_id(service)}-",
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(child.communicate(), BARE_READ_TIMEOUT_S)
    if child.returncode != 0:
        raise RuntimeError(f"the bare read of {service}'s changelogs failed ({child.returncode})")
    return BareRead(**json.loads(out.decode().splitlines()[-1]))


def worker_figures(url: str) -> tuple[dict[str, float], int, float]:
    """A worker's start in steps, the records its restores read, and the last one's time."""
    with urlopen(f"{url}/metrics", timeout=60) as reply:
        text = reply.read().decode()
    steps = {s.labels["step"]: s.value for s in samples(text, "oms_worker_start_seconds")}
    restored = counter_sum(text, "oms_changelog_records_restored_total") or 0
    seconds = next((s.value for s in samples(text, "oms_changelog_restore_seconds")), 0.0)
    return steps, int(restored), seconds


async def rebuild(service: str, settings: Settings, url: str, emit: Emit) -> Rebuild:
    """Measure the bare read of `service`'s changelogs, then its replay."""
    bare = await bare_read(settings.broker_url, service)
    emit(f"{service}: bare read of {bare.records} records ({bare.megabytes:.1f} MB)...")
    lines: list[str] = []
    started = time.perf_counter()
    code = await asyncio.to_thread(
        control.call,
        control.socket_path(settings.data_dir),
        {"command": "replay", "service": service},
        lines.append,
    )
    replay_seconds = time.perf_counter() - started
    for line in lines:
        emit(f"  {line}")
    steps, restored, restore_seconds = await asyncio.to_thread(worker_figures, url)
    return Rebuild(service, bare, replay_seconds, code == 0, steps, restored, restore_seconds)


def table(rebuilds: list[Rebuild]) -> list[str]:
    """The figures of each service, one line each."""
    head = (
        f"{'service':<10}{'records':>9}{'MB':>7}{'bare s':>8}{'bare/s':>9}"
        f"{'restore s':>10}{'rec/s':>9}{'of bare':>8}  "
        + "".join(f"{step:>9}" for step in STEPS)
        + f"{'replay s':>10}"
    )
    lines = [head]
    for r in rebuilds:
        ratio = r.restore_rate / r.bare_rate if r.bare_rate else 0.0
        lines.append(
            f"{r.service:<10}{r.bare.records:>9}{r.bare.megabytes:>7.1f}{r.bare.seconds:>8.2f}"
            f"{r.bare_rate:>9.0f}{r.restore_seconds:>10.2f}{r.restore_rate:>9.0f}{ratio:>8.0%}  "
            + "".join(f"{r.steps.get(step, float('nan')):>9.2f}" for step in STEPS)
            + f"{r.replay_seconds:>10.1f}"
            + ("" if r.same_digests else "  DIGESTS DIFFER")
        )
    return lines


async def measure(order_url: str, urls: dict[str, str], emit: Emit) -> tuple[int, list[Rebuild]]:
    """The orders stored, and each service's rebuild on the running `oms up`."""
    settings = Settings.from_env()
    orders = (await asyncio.to_thread(get, f"{order_url}/orders?limit=1"))["total"]
    emit(f"rebuilding each service's tables with {orders} orders stored")
    rebuilds = [await rebuild(service, settings, urls[service], emit) for service in SERVICES]
    return orders, rebuilds


def run(order_url: str, urls: dict[str, str], json_path: Path, emit: Emit = print) -> int:
    """`oms bench --replay`: the table, and the figures in `json_path`; 1 if a digest changed."""
    orders, rebuilds = asyncio.run(measure(order_url, urls, emit))
    emit("(steps: seconds since the new worker's process began; rec/s of the restore's read)")
    for line in table(rebuilds):
        emit(line)
    figures = {
        "orders": orders,
        "rebuilds": [
            {**asdict(r), "restore_rate": r.restore_rate, "bare_rate": r.bare_rate}
            for r in rebuilds
        ],
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(figures, indent=2))
    emit(f"figures written to {json_path}")
    return 0 if all(r.same_digests for r in rebuilds) else 1
