"""What a bench run is asked to do, as `oms bench`'s arguments give it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RATE, FIND_MAX, CLOSED, OVERLOAD = "rate", "find-max", "closed", "overload"


@dataclass(frozen=True)
class Options:
    """A bench run: the mode and its load, the system, and what to measure and write."""

    order_url: str
    inventory_url: str
    payment_url: str
    broker_url: str
    mode: str = RATE
    rate: float = 20.0
    duration: float = 30.0
    #: find-max: the first step's rate, each step's length, and the bound on the search.
    start_rate: float = 10.0
    step_seconds: float = 20.0
    max_seconds: float = 300.0
    #: find-max: also offer twice the best rate for `duration` afterwards.
    overload: bool = False
    orders: int = 200
    concurrency: int = 16
    #: Start the broker and the services for the run, and stop them after it.
    start: bool = False
    workers: int | None = None
    #: The processes to account CPU to, when not asked of `oms up`'s control socket.
    pids: Mapping[str, int] | None = None
    idle_seconds: float = 5.0
    reference: bool = True
    reference_messages: int = 20_000
    hops: int = 100
    json_path: Path | None = None
    plot_path: Path | None = None
    #: A failover: this process of `oms up` (`inventory-2`, say) killed with SIGKILL
    #: `kill_after` seconds into the load at a fixed rate; or paused with SIGSTOP (so
    #: another worker takes its partitions over), and continued when the load ends.
    kill: str | None = None
    kill_after: float = 15.0
    kill_signal: str = "KILL"

    def label(self) -> str:
        if self.mode == CLOSED:
            return f"closed loop: {self.orders} orders from {self.concurrency} clients"
        if self.mode == OVERLOAD:
            return f"overload: twice {self.rate:g} orders/s for {self.duration:g} s"
        return f"open loop: {self.rate:g} orders/s for {self.duration:g} s"


def parse_pids(text: str) -> dict[str, int]:
    """`broker=12,order=34` as {"broker": 12, "order": 34}; ValueError naming what is wrong."""
    pids = {}
    for pair in filter(None, text.split(",")):
        name, sep, pid = pair.partition("=")
        if not sep or not name or not pid.isdigit():
            raise ValueError(f"{pair!r} is not name=pid")
        pids[name.strip()] = int(pid)
    return pids


def default_json_path(data_dir: Path, now: datetime | None = None) -> Path:
    """`.data/bench/<UTC timestamp>.json`."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return data_dir / "bench" / f"{moment}.json"
