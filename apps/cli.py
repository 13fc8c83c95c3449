"""The `oms` command line: parse the arguments, then hand over to the launcher."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from apps import launcher


def port_number(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1..65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oms", description="Run the order-management system.")
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
        "--broker-url",
        help="use this broker (kafka://host:port) instead of starting the embedded one; "
        "OMS_BROKER_URL does the same",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "broker":
        return launcher.run_broker(args.port)
    return launcher.run_up(args.broker_url)


if __name__ == "__main__":
    raise SystemExit(main())
