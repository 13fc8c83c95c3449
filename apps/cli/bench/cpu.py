"""CPU time of processes, from /proc/<pid>/stat: reading it, and what two readings mean."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat.
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
#: The load generator's own name among the processes measured.
GENERATOR = "bench"


def cpu_seconds(stat: str, ticks_per_s: int = TICKS_PER_S) -> float:
    """utime + stime of one /proc/<pid>/stat line, in seconds.

    The command name (field 2) is in parentheses and may hold spaces or parentheses
    itself, so the fields are counted from the last `)`: utime and stime are fields
    14 and 15 of the line, the 12th and 13th after the name.
    """
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_s


@dataclass(frozen=True)
class Reading:
    """CPU seconds each process had used, at one moment (monotonic seconds)."""

    at: float
    seconds: Mapping[str, float]


def used(before: Reading, after: Reading) -> dict[str, float]:
    """CPU seconds each process used between two readings (those read both times)."""
    return {
        name: after.seconds[name] - before.seconds[name]
        for name in before.seconds
        if name in after.seconds
    }


def cores(before: Reading, after: Reading) -> dict[str, float]:
    """Each process's CPU between two readings as a fraction of one core."""
    elapsed = after.at - before.at
    if elapsed <= 0:
        raise ValueError("the second reading must come after the first")
    return {name: seconds / elapsed for name, seconds in used(before, after).items()}


def ms_per_saga(used_s: Mapping[str, float], sagas: int) -> dict[str, float] | None:
    """CPU milliseconds per completed saga, per process and `total`; None with no saga."""
    if sagas <= 0:
        return None
    per_process = {name: seconds * 1000 / sagas for name, seconds in used_s.items()}
    return {**per_process, "total": sum(per_process.values())}


def system_only(figures: Mapping[str, float]) -> dict[str, float]:
    """The figures of the system's processes: the load generator's own left out."""
    return {name: value for name, value in figures.items() if name != GENERATOR}


# -- the shell: reading /proc -----------------------------------------------------------


def read(pids: Mapping[str, int], at: float) -> Reading:
    """The CPU seconds of each process named, plus this one's as `bench`.

    A process that has gone is left out, so the figures cover only what was measured.
    """
    seconds = {}
    for name, pid in {**pids, GENERATOR: os.getpid()}.items():
        try:
            seconds[name] = cpu_seconds(Path(f"/proc/{pid}/stat").read_text())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return Reading(at, seconds)
