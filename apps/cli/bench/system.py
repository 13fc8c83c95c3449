"""The system under load: started for the run (`--start`) or found running; its pids and URLs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

from apps.cli import control, launcher
from apps.cli.bench.mix import Catalog
from apps.cli.rest import post
from apps.cli.supervisor import Supervisor
from apps.cli.workers import PORT_STRIDE
from apps.platform.settings import SERVICES, Settings

#: Stocked products per run: enough to spread the stock commands over every partition.
STOCKED_PRODUCTS = 16
#: Each stocked product's stock, the most a product may hold: no ok order runs short.
STOCK_EACH = 1_000_000


@contextlib.asynccontextmanager
async def started(workers: int | None, log: Path) -> AsyncIterator[None]:
    """The broker and the services, started as `oms up` starts them; stopped on the way out.

    Their output goes to `log`, not the terminal, which is the report's.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as sink:
        supervisor = Supervisor(lambda line: print(line, file=sink, flush=True))
        try:
            await launcher.start_system(supervisor, None, workers)
            yield
        finally:
            await supervisor.stop()


def find_pids(given: Mapping[str, int] | None, settings: Settings) -> tuple[dict[str, int], str]:
    """The pids to account CPU to, and where they came from (or why there are none)."""
    if given is not None:
        return dict(given), "as given (--pids)"
    path = control.socket_path(settings.data_dir)
    try:
        return control.pids(path), f"from `oms up` ({path})"
    except OSError as exc:
        return {}, f"none, so no CPU figures: {exc}"


def metrics_urls(base_urls: Mapping[str, str], pids: Mapping[str, int]) -> dict[str, list[str]]:
    """Each service's workers: its URL, and for each `<service>-N` named, port + 100 (N - 1)."""
    urls = {}
    for service in SERVICES:
        base = base_urls[service]
        extra = [
            int(suffix)
            for name in pids
            if (suffix := name.removeprefix(f"{service}-")) != name and suffix.isdigit()
        ]
        urls[service] = [base] + [_port_moved(base, (n - 1) * PORT_STRIDE) for n in sorted(extra)]
    return urls


def _port_moved(url: str, by: int) -> str:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", (parts.port or 80) + by
    return urlunsplit(parts._replace(netloc=f"{host}:{port}"))


def create_catalog(inventory_url: str, emit: Callable[[str], None]) -> Catalog:
    """Fresh products for the run: stocked ones, and one with no stock at all."""
    run = uuid4().hex[:6]
    stocked = tuple(f"bench-{run}-{n}" for n in range(STOCKED_PRODUCTS))
    empty = f"bench-{run}-empty"
    for product, stock in [*((p, STOCK_EACH) for p in stocked), (empty, 0)]:
        post(
            f"{inventory_url}/products",
            {"id": product, "name": "Bench widget", "price": "1.00", "stock": stock},
        )
    emit(f"products bench-{run}-0..{STOCKED_PRODUCTS - 1} ({STOCK_EACH} each) and {empty} (none)")
    return Catalog(stocked, empty)
