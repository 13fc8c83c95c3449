"""The `oms` command line: parse the arguments, then hand over to the launcher."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import timedelta

from apps.cli import check, demo, launcher, schemas
from apps.cli.bench import rebuild
from apps.cli.bench.arguments import add_bench, bench_options
from apps.cli.bench.options import default_json_path
from apps.cli.bench.run import run as bench_run
from apps.cli.rest import ServiceError
from apps.cli.supervisor import LaunchError
from apps.cli.token import add_token, run_token
from apps.platform.settings import MAX_WORKERS, SERVICES, VERSION, Settings


def port_number(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1..65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oms", description="Run the order-management system.")
    parser.add_argument("--version", action="version", version=f"oms {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    broker = commands.add_parser(
        "broker", help="run the embedded Tansu broker (topics in memory) until Ctrl-C"
    )
    broker.add_argument(
        "--port", type=port_number, help="port on 127.0.0.1 (default: from OMS_BROKER_URL, 9092)"
    )
    up = commands.add_parser(
        "up", help="run the broker and the order, inventory and payment services until Ctrl-C"
    )
    up.add_argument(
        "--workers",
        type=int,
        choices=range(1, MAX_WORKERS + 1),
        metavar="N",
        help="workers per service, sharing the partitions (default: OMS_WORKERS, 1)",
    )
    up.add_argument(
        "--broker-url",
        help="use this broker (kafka://host:port) instead of starting the embedded one; "
        "OMS_BROKER_URL does the same",
    )
    demo = commands.add_parser(
        "demo", help="run every case of the saga against a running system (make run first)"
    )
    demo.add_argument(
        "--skip-timeout",
        action="store_true",
        help="leave out the payment-timeout case, which waits OMS_PAYMENT_TIMEOUT (60 s)",
    )
    replay_parser = commands.add_parser(
        "replay",
        help="rebuild a service's tables from their changelogs in the running oms up, "
        "and compare digests",
    )
    replay_parser.add_argument("service", choices=SERVICES)
    check_parser = commands.add_parser(
        "check", help="report the system's invariants as held or broken (exit 1 if broken)"
    )
    check_parser.add_argument(
        "--saga-timeout",
        type=float,
        default=120.0,
        help="seconds an order may stay outside a terminal state (default: 120)",
    )
    commands.add_parser(
        "schemas",
        help="write each record's JSON Schema at its version under models/schemas "
        "(see docs/evolution.md)",
    )
    add_bench(commands)
    add_token(commands)
    for command, services in (
        (demo, SERVICES),
        (check_parser, SERVICES),
        (commands.choices["bench"], SERVICES),
    ):
        for service in services:
            port = Settings.from_env().port_of(service)
            command.add_argument(
                f"--{service}-url",
                default=f"http://127.0.0.1:{port}",
                help=f"the {service} service (default: http://127.0.0.1:{port})",
            )
    return parser


def run_demo(args: argparse.Namespace) -> int:
    client = demo.Client(
        order=args.order_url, inventory=args.inventory_url, payment=args.payment_url
    )
    try:
        return demo.run(client, include_timeout=not args.skip_timeout)
    except ServiceError as exc:
        print(f"oms demo: {exc}")
        return 1


def run_check(args: argparse.Namespace) -> int:
    try:
        return check.run(
            args.order_url,
            args.inventory_url,
            args.payment_url,
            timedelta(seconds=args.saga_timeout),
        )
    except ServiceError as exc:
        print(f"oms check: {exc}")
        return 2


def run_bench(args: argparse.Namespace) -> int:
    try:
        if args.replay:
            urls = {service: getattr(args, f"{service}_url") for service in SERVICES}
            path = args.json or default_json_path(Settings.from_env().data_dir)
            return rebuild.run(args.order_url, urls, path)
        return asyncio.run(bench_run(bench_options(args)))
    except (ServiceError, LaunchError, RuntimeError, TimeoutError) as exc:
        print(f"oms bench: {exc}")
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "broker":
        return launcher.run_broker(args.port)
    if args.command == "demo":
        return run_demo(args)
    if args.command == "check":
        return run_check(args)
    if args.command == "bench":
        return run_bench(args)
    if args.command == "token":
        return run_token(args)
    if args.command == "schemas":
        return schemas.run()
    if args.command == "replay":
        return launcher.run_replay(args.service)
    return launcher.run_up(args.broker_url, args.workers)


if __name__ == "__main__":
    raise SystemExit(main())
