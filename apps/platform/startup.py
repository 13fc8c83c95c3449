"""When each step of a worker's start came, in seconds since its process began.

What `oms bench --replay` splits a rebuild into (docs/performance.md, "Rebuilding
state"): `imported` (its code loaded, the app made), `joined` (its first partitions
assigned by the group), `restored` (its tables read from their changelogs), `ready`
(it serves) and `indexed` (its lists' index built, just after).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from prometheus_client import Gauge

STEPS = ("imported", "joined", "restored", "ready", "indexed")

START_SECONDS = Gauge(
    "oms_worker_start_seconds",
    "When each step of this worker's start came, in seconds since its process began: "
    "imported, joined (first partitions assigned), restored, ready, indexed (lists).",
    ["step"],
)

#: Clock ticks per second, the unit of the start time in /proc/<pid>/stat.
TICKS_PER_S = os.sysconf("SC_CLK_TCK")

_reached: set[str] = set()


def process_age(stat: str, since_boot: float, ticks_per_s: int = TICKS_PER_S) -> float:
    """Seconds a process has run, from its /proc/<pid>/stat line and the seconds since boot.

    Its start time is field 22, in ticks since boot; fields are counted from the last `)`
    (the command name may hold spaces), so it is the 20th after the name.
    """
    started = int(stat.rsplit(")", 1)[1].split()[19]) / ticks_per_s
    return since_boot - started


def reached(step: str) -> None:
    """The worker reached `step`: noted the first time only (a later rebalance is not a start)."""
    if step in _reached:
        return
    _reached.add(step)
    stat = Path("/proc/self/stat").read_text()
    START_SECONDS.labels(step).set(process_age(stat, time.clock_gettime(time.CLOCK_BOOTTIME)))
