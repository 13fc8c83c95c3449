"""How a service's worker is started: the one command line `oms up` and the tests use."""

from __future__ import annotations

import sys

from apps.settings import DEFAULT_PORTS

#: The services in the order `oms up` starts them.
SERVICES = tuple(DEFAULT_PORTS)


def worker_command(service: str, web_port: int, *, log_level: str = "info") -> list[str]:
    """`faust -A apps.<service> worker` on `web_port`, with this interpreter."""
    if service not in DEFAULT_PORTS:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    return [
        sys.executable,
        "-m",
        "faust",
        "-A",
        f"apps.{service}",
        "worker",
        "--web-port",
        str(web_port),
        "--loglevel",
        log_level,
    ]
