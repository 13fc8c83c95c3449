"""How a service's worker is started: the one command line `oms up` and the tests use."""

from __future__ import annotations

import sys

from apps.platform.settings import DEFAULT_PORTS, SERVICES

#: Worker n of a service (from 0) listens on the service's port + n * this.
PORT_STRIDE = 100


def worker_ports(service: str, workers: int) -> list[int]:
    """The web ports of a service's workers: 8071, 8171, 8271... for inventory."""
    return [DEFAULT_PORTS[service] + n * PORT_STRIDE for n in range(workers)]


def worker_urls(service: str, host: str, workers: int) -> list[str]:
    """The base URLs of a service's workers."""
    return [f"http://{host}:{port}" for port in worker_ports(service, workers)]


def worker_name(service: str, n: int) -> str:
    """How the output names worker n: `inventory`, then `inventory-2`, ..."""
    return service if n == 0 else f"{service}-{n + 1}"


def worker_command(
    service: str, web_port: int, log_level: str = "info", event_loop: str = "aio"
) -> list[str]:
    """`faust -A apps.<service> worker` on `web_port`, with this interpreter."""
    if service not in DEFAULT_PORTS:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    return [
        sys.executable,
        "-m",
        "faust",
        "-A",
        f"apps.{service}",
        "--loop",
        event_loop,
        "worker",
        "--web-port",
        str(web_port),
        "--loglevel",
        log_level,
    ]
