"""How a service's worker is started: the one command line `oms up` and the tests use."""

from __future__ import annotations

import sys

from apps.platform.settings import SERVICES, Settings

#: Worker n of a service (from 0) listens on the service's port + n * this.
PORT_STRIDE = 100


def worker_ports(settings: Settings, service: str) -> list[int]:
    """The web ports of a service's workers: 8071, 8171, 8271... for inventory."""
    return [settings.port_of(service) + n * PORT_STRIDE for n in range(settings.workers)]


def worker_urls(settings: Settings, service: str) -> list[str]:
    """The base URLs of a service's workers."""
    return [f"http://{settings.web_host}:{port}" for port in worker_ports(settings, service)]


def worker_name(service: str, n: int) -> str:
    """How the output names worker n: `inventory`, then `inventory-2`, ..."""
    return service if n == 0 else f"{service}-{n + 1}"


def worker_command(
    service: str, web_port: int, log_level: str = "info", log_format: str = "text"
) -> list[str]:
    """`faust -A apps.<service> worker` on `web_port`, with this interpreter.

    The worker reads `log_format` from OMS_LOG_FORMAT; here it only decides whether
    Faust prints its banner, which is not a JSON line.
    """
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    return [
        sys.executable,
        "-m",
        "faust",
        "-A",
        f"apps.{service}",
        *(["--quiet"] if log_format == "json" else []),
        "worker",
        "--web-port",
        str(web_port),
        "--loglevel",
        log_level,
    ]
