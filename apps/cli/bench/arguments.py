"""`oms bench`'s arguments, and the Options they make."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apps.cli.bench.options import CLOSED, FIND_MAX, OVERLOAD, RATE, Options, parse_pids
from apps.platform.settings import MAX_WORKERS, Settings


def positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        number = kind(text)
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{number} is not a positive number")
        return number

    return parse


def pids(text: str) -> dict[str, int]:
    try:
        return parse_pids(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_bench(commands: Any) -> argparse.ArgumentParser:
    """The `bench` command and its arguments (the services' URLs are added with the others)."""
    bench = commands.add_parser(
        "bench",
        help="load the system with a mix of orders at a fixed rate (or find the highest rate "
        "it keeps up with); report throughput, latency, CPU and raw references "
        "(exit 1 if an order did not end as it must, or an invariant broke)",
    )
    modes = bench.add_mutually_exclusive_group()
    modes.add_argument("--find-max", action="store_true", help="search for the highest rate")
    modes.add_argument("--closed", action="store_true", help="closed loop: C clients, N orders")
    modes.add_argument(
        "--replay",
        action="store_true",
        help="rebuild each service's tables on the running `oms up` (`oms replay`), timed "
        "against a bare read of its changelogs",
    )
    bench.add_argument(
        "--overload",
        action="store_true",
        help="offer twice the highest sustained rate for --duration: after --find-max, or "
        "twice --rate alone",
    )
    number = positive(float)
    bench.add_argument("--rate", type=number, default=20.0, help="orders/s (default 20)")
    bench.add_argument("--duration", type=number, default=30.0, help="seconds (default 30)")
    bench.add_argument("--start-rate", type=number, default=10.0, help="find-max's first rate")
    bench.add_argument("--step-seconds", type=number, default=20.0, help="find-max's steps")
    bench.add_argument(
        "--max-seconds", type=number, default=300.0, help="find-max's time cap (default 300)"
    )
    count = positive(int)
    bench.add_argument("--orders", type=count, default=200, help="closed loop (default 200)")
    bench.add_argument("--concurrency", type=count, default=16, help="closed loop (default 16)")
    bench.add_argument(
        "--start",
        action="store_true",
        help="start the broker and the services for the run, and stop them after",
    )
    bench.add_argument(
        "--workers", type=int, choices=range(1, MAX_WORKERS + 1), metavar="N", help="with --start"
    )
    bench.add_argument(
        "--broker-url", help="the broker for the raw references (default: OMS_BROKER_URL)"
    )
    bench.add_argument(
        "--pids", type=pids, help="name=pid,... to account CPU to (default: ask `oms up`)"
    )
    bench.add_argument(
        "--idle-seconds", type=float, default=5.0, help="idle CPU window (default 5; 0: none)"
    )
    bench.add_argument("--no-reference", action="store_true", help="skip the raw references")
    bench.add_argument("--reference-messages", type=count, default=20_000, help="burst size")
    bench.add_argument("--hops", type=count, default=100, help="single hops timed per reference")
    bench.add_argument(
        "--kill",
        metavar="NAME",
        help="kill this process of `oms up` (inventory-2, say) with SIGKILL --kill-after "
        "seconds into a fixed rate: a failover, seen in the orders it holds up",
    )
    bench.add_argument(
        "--kill-after", type=number, default=15.0, help="seconds into the load (default 15)"
    )
    bench.add_argument(
        "--kill-signal",
        choices=["KILL", "STOP"],
        default="KILL",
        help="STOP: pause the process instead, so `oms up` does not start it again and its "
        "partitions go to another worker (it is continued once the load ends)",
    )
    bench.add_argument("--json", type=Path, help="default: .data/bench/<timestamp>.json")
    bench.add_argument("--plot", type=Path, help="a PNG of completions and latency over time")
    return bench


def bench_options(args: argparse.Namespace) -> Options:
    if args.find_max:
        mode = FIND_MAX
    elif args.closed:
        mode = CLOSED
    else:
        mode = OVERLOAD if args.overload else RATE
    return Options(
        order_url=args.order_url,
        inventory_url=args.inventory_url,
        payment_url=args.payment_url,
        broker_url=args.broker_url or Settings.from_env().broker_url,
        mode=mode,
        rate=args.rate,
        duration=args.duration,
        start_rate=args.start_rate,
        step_seconds=args.step_seconds,
        max_seconds=args.max_seconds,
        overload=args.overload,
        orders=args.orders,
        concurrency=args.concurrency,
        start=args.start,
        workers=args.workers,
        pids=args.pids,
        idle_seconds=args.idle_seconds,
        reference=not args.no_reference,
        reference_messages=args.reference_messages,
        hops=args.hops,
        json_path=args.json,
        plot_path=args.plot,
        kill=args.kill,
        kill_after=args.kill_after,
        kill_signal=args.kill_signal,
    )
