"""`oms up` and `oms broker`: the embedded broker and the three services, supervised."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp

from apps.cli import control, replay, signing
from apps.cli.broker import BrokerError, broker_command, ensure_port_free, is_listening
from apps.cli.broker_watch import warn_when_full
from apps.cli.children import Child, Probe
from apps.cli.foreground import supervise
from apps.cli.supervisor import PROBE_TIMEOUT_S, LaunchError, Supervisor
from apps.cli.workers import worker_command, worker_name, worker_ports, worker_urls
from apps.platform.broker_load import EMBEDDED_BROKER_ORDERS
from apps.platform.broker_wait import reachable
from apps.platform.settings import PREFIX, SERVICES, Settings, worker_data_dir

BROKER_READY_TIMEOUT_S = 30.0


def port_probe(host: str, port: int) -> Probe:
    """Ready once something accepts TCP connections on `host:port`."""

    async def probe() -> str | None:
        if await reachable(host, port) is None:
            return None
        return f"nothing listens on {host}:{port} yet"

    return probe


def health_probe(url: str) -> Probe:
    """Ready once `GET url` answers 200; before, the reason the service gives."""

    async def probe() -> str | None:
        timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url) as response,
            ):
                if response.status == 200:
                    return None
                body = await response.text()
                return f"{url} answered {response.status}: {_reason(body)}"
        except (aiohttp.ClientError, TimeoutError):
            return f"{url} does not answer yet"

    return probe


def _reason(body: str) -> str:
    try:
        return str(json.loads(body).get("reason", body))
    except (ValueError, AttributeError):
        return body[:200]


async def start_broker(supervisor: Supervisor, host: str, port: int) -> str:
    """Start the embedded Tansu broker on `host:port`; its Kafka URL once it listens."""
    try:
        ensure_port_free(host, port)
        argv = broker_command(host, port)
    except BrokerError as exc:
        raise LaunchError(str(exc)) from None
    broker = Child(
        "broker", argv, probe=port_probe(host, port), ready_timeout=BROKER_READY_TIMEOUT_S
    )
    await supervisor.start(broker)
    url = f"kafka://{host}:{port}"
    supervisor.log(f"broker listening on {host}:{port} ({url}, pid {supervisor.pids[-1]})")
    return url


def wipe_data_dirs(settings: Settings, services: Iterable[str] = SERVICES) -> list[Path]:
    """Remove the workers' local tables: a fresh memory broker has none of their topics."""
    # Only the workers' own directories: the secret tokens are signed with stays.
    wiped = []
    for service in services:
        for port in worker_ports(settings, service):
            path = worker_data_dir(settings.data_dir, service, port)
            if path.exists():
                shutil.rmtree(path)
                wiped.append(path)
    return wiped


def service_children(
    service: str, broker_url: str, settings: Settings, warn_after_orders: int = 0
) -> list[Child]:
    """The service's workers, each on a port (and so a data dir) of its own; past
    `warn_after_orders` stored (0: never) they say the broker holds too much (`broker_load`)."""
    env = {
        **os.environ,
        PREFIX + "BROKER_URL": broker_url,
        PREFIX + "EMBEDDED_BROKER_ORDERS": str(warn_after_orders),
        PREFIX + "LOG_FORMAT": settings.log_format,
        "PYTHONUNBUFFERED": "1",
    }
    return [
        Child(
            worker_name(service, n),
            worker_command(service, port, settings.log_level, settings.log_format),
            env=env,
            # A JSON line goes out as the worker wrote it: a prefix would break it for
            # `jq`, and the line names its service itself.
            json_lines=settings.log_format == "json",
            probe=health_probe(f"http://{settings.web_host}:{port}/health"),
            # The broker keeps every changelog and offset: a worker started again
            # rebuilds its tables and takes up its partitions where it left off.
            restart=True,
        )
        for n, port in enumerate(worker_ports(settings, service))
    ]


def _ensure_web_ports_free(settings: Settings) -> None:
    # Another worker on our port would answer our health checks in our workers' place.
    for service in SERVICES:
        for port in worker_ports(settings, service):
            if is_listening(settings.web_host, port):
                raise LaunchError(f"port {port} for {service} is taken: stop what uses it")


async def start_system(
    supervisor: Supervisor, broker_url: str | None, workers: int | None = None
) -> None:
    """The broker (unless `broker_url` names one), then the services, until ready."""
    began = time.monotonic()
    settings = _settings(workers)
    _ensure_web_ports_free(settings)
    supervisor.log(_kept_secret(settings))
    child_names = []  # in the order the supervisor lists their pids
    # Only `oms up`'s own broker is worth a warning: a broker apart, or Kafka, is chosen.
    warn_after = _embedded_broker_orders() if broker_url is None else 0
    if broker_url is None:
        host, port = settings.broker_host_port
        broker_url = await start_broker(supervisor, host, port)
        child_names.append("broker")
        for path in wipe_data_dirs(settings):
            supervisor.log(f"wiped {path}: the new broker has none of its topics")
    else:
        supervisor.log(f"using the broker at {broker_url}")
    children = [
        child
        for name in SERVICES
        for child in service_children(name, broker_url, settings, warn_after)
    ]
    await supervisor.start(*children)
    child_names += [child.name for child in children]
    await serve_control(supervisor, settings, child_names)
    for name in SERVICES:
        urls = ", ".join(worker_urls(settings, name))
        supervisor.log(f"{name:<10} {urls}")
    supervisor.log(f"saga page  {worker_urls(settings, 'order')[0]}/")
    supervisor.log(f"token      {signing.how_to_get_a_token(settings)}")
    supervisor.log(f"ready in {time.monotonic() - began:.1f} s; Ctrl-C stops everything")
    if warn_after:
        watch = asyncio.create_task(warn_when_full(supervisor, worker_urls(settings, "order")[0]))
        supervisor.on_stop(watch.cancel)


def _embedded_broker_orders() -> int:
    """OMS_EMBEDDED_BROKER_ORDERS if set (0: never warn), else `EMBEDDED_BROKER_ORDERS`."""
    given = os.environ.get(PREFIX + "EMBEDDED_BROKER_ORDERS")
    return EMBEDDED_BROKER_ORDERS if given is None else int(given)


async def serve_control(
    supervisor: Supervisor, settings: Settings, child_names: Sequence[str] = ()
) -> None:
    """Answer `oms replay SERVICE`, and the children's pids, while the system runs.

    `child_names` name the supervisor's children in the order it lists their pids; a
    restarted child keeps its place, so the pairs stay right after a replay.
    """
    path = control.socket_path(settings.data_dir)

    async def handle(request: dict[str, Any], emit: Callable[[str], None]) -> int:
        if request.get("command") == "pids":
            for name, pid in zip(child_names, supervisor.pids, strict=True):
                emit(f"{name} {pid}")
            return 0
        service = request.get("service")
        if request.get("command") != "replay" or service not in SERVICES:
            emit(
                f"cannot do {request!r}: ask for pids, "
                f"or for replay of one of {', '.join(SERVICES)}"
            )
            return 2
        names = {worker_name(service, n) for n in range(settings.workers)}

        def wipe() -> None:
            wipe_data_dirs(settings, services=(service,))

        async def restart_without_state() -> None:
            supervisor.log(f"replay: restarting {service} without its local tables")
            await supervisor.restart(names, prepare=wipe)

        url = worker_urls(settings, service)[0]
        same = await replay.replay(url, restart_without_state, emit)
        supervisor.log(f"replay of {service}: {'same digests' if same else 'DIGESTS DIFFER'}")
        return 0 if same else 1

    server = await control.serve(path, handle)
    supervisor.on_stop(server.close)
    supervisor.on_stop(lambda: path.unlink(missing_ok=True))


def run_replay(service: str) -> int:
    """`oms replay SERVICE`: ask the running `oms up` to rebuild the service's tables."""
    path = control.socket_path(_settings().data_dir)
    return control.call(path, {"command": "replay", "service": service})


def _kept_secret(settings: Settings) -> str:
    """The secret the workers check tokens with, made now if need be; what was done."""
    try:
        return signing.keep(settings)
    except (OSError, ValueError) as exc:
        raise LaunchError(f"the secret for tokens: {exc}") from None


def _settings(workers: int | None = None) -> Settings:
    """The settings from the environment, with `workers` if the command line gave it."""
    try:
        settings = Settings.from_env()
        if workers is not None:
            settings = replace(settings, workers=workers)
            settings.validate()
        return settings
    except ValueError as exc:
        raise LaunchError(str(exc)) from None


def given_broker_url(flag: str | None, environ: Mapping[str, str]) -> str | None:
    """The broker to use instead of the embedded one, if the user named one."""
    return flag or environ.get(PREFIX + "BROKER_URL") or None


def run_up(broker_url: str | None, workers: int | None = None) -> int:
    """`oms up`: the whole system in the foreground, `workers` per service."""
    url = given_broker_url(broker_url, os.environ)
    return _run(lambda supervisor: start_system(supervisor, url, workers))


def run_broker(port: int | None) -> int:
    """`oms broker`: the embedded broker alone, in the foreground."""

    async def start(supervisor: Supervisor) -> None:
        _, default_port = _settings().broker_host_port
        await start_broker(supervisor, "127.0.0.1", port or default_port)

    return _run(start)


def _run(start: Callable[[Supervisor], Awaitable[None]]) -> int:
    async def main() -> int:
        supervisor = Supervisor()
        return await supervise(supervisor, lambda: start(supervisor))

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 0  # interrupted before anything had started
