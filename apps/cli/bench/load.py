"""The load generator: orders placed by the clock (open loop) or by C clients (closed loop).

Each order is POSTed, cancelled right after its 201 if its kind says so, then
long-polled (`GET /orders/{id}?wait=30`) until it is terminal. Arrivals in the open
loop are due at fixed moments, whatever the system answers; each order runs as its
own task on one aiohttp session whose pool has no limit, so the generator never makes
an order wait for another's connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

from apps.cli.bench.mix import CANCELLED, Catalog, kind_of, order_body
from apps.cli.bench.records import OrderRecord
from apps.cli.credentials import authorization
from models.orders import SETTLED

#: The long-poll of `GET /orders/{id}?wait=` (the API allows up to 30 s).
WAIT_S = 30
#: Seconds after its due time that an order may take to settle before it counts as stuck.
SETTLE_BOUND_S = 120.0
#: A request that has had no answer within this many seconds counts as unanswered.
REQUEST_TIMEOUT_S = WAIT_S + 30.0
#: Pause before asking again after a 503 or 504 without Retry-After.
RETRY_PAUSE_S = 0.1

#: Seconds since the run began.
Clock = Callable[[], float]
T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """Where the orders go and what they are: the order service, the run's mix and products."""

    order_url: str
    catalog: Catalog
    period: tuple[str, ...]


def session() -> aiohttp.ClientSession:
    """A client whose pool has no limit, so no order waits on another's connection."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, middlewares=(bearer,))


async def bearer(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """Every request with the commands' token, minted again before it ends (a long run)."""
    request.headers.update(authorization())
    return await handler(request)


def started_clock() -> Clock:
    loop = asyncio.get_running_loop()
    start = loop.time()
    return lambda: loop.time() - start


async def open_loop(
    client: aiohttp.ClientSession, target: Target, rate: float, duration: float, first: int = 0
) -> list[OrderRecord]:
    """Place rate x duration orders, order n due at n / rate seconds; their records."""
    clock = started_clock()
    tasks = []
    for n in range(round(rate * duration)):
        due = n / rate
        if (ahead := due - clock()) > 0:
            await asyncio.sleep(ahead)
        tasks.append(asyncio.ensure_future(place(client, target, first + n, due, clock)))
    return list(await asyncio.gather(*tasks))


async def closed_loop(
    client: aiohttp.ClientSession, target: Target, orders: int, concurrency: int
) -> list[OrderRecord]:
    """`concurrency` clients, each placing its next order once its last one has settled."""
    clock = started_clock()
    numbers = iter(range(orders))
    records: list[OrderRecord] = []

    async def one_client() -> None:
        for n in numbers:
            records.append(await place(client, target, n, clock(), clock))

    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return sorted(records, key=lambda r: r.sent)


async def place(
    client: aiohttp.ClientSession, target: Target, number: int, due: float, clock: Clock
) -> OrderRecord:
    """Order `number` of the run, due at `due`: POST, cancel if its kind says so, follow."""
    kind = kind_of(number, target.period)
    record = OrderRecord(kind, sent=due, lag=max(0.0, clock() - due))
    body = order_body(kind, number, target.catalog)
    try:
        async with client.post(f"{target.order_url}/orders", json=body) as response:
            answer = await response.json() if response.status == 201 else None
            record = dataclasses.replace(
                record,
                post_status=response.status,
                post_latency=clock() - due,
                retry_after="Retry-After" in response.headers,
            )
    except (aiohttp.ClientError, TimeoutError):
        return dataclasses.replace(record, post_latency=clock() - due)
    if answer is None:
        return record
    record = dataclasses.replace(record, order_id=answer["id"], final_status=answer["status"])
    if kind == CANCELLED:
        record = await cancel(client, target, record, clock)
    return await follow(client, target, record, clock)


async def cancel(
    client: aiohttp.ClientSession, target: Target, record: OrderRecord, clock: Clock
) -> OrderRecord:
    """DELETE the order; asked again while the service is busy (503, 504), until the bound."""
    url = f"{target.order_url}/orders/{record.order_id}"

    async def attempt() -> int | None:
        async with client.delete(url) as response:
            return None if response.status in (503, 504) else response.status

    status = await _until_answered(attempt, record, clock)
    return dataclasses.replace(record, delete_status=status)


async def follow(
    client: aiohttp.ClientSession, target: Target, record: OrderRecord, clock: Clock
) -> OrderRecord:
    """Long-poll the order until it is terminal, or until SETTLE_BOUND_S after it was due."""
    url = f"{target.order_url}/orders/{record.order_id}?wait={WAIT_S}"
    last = record.final_status

    async def attempt() -> str | None:
        nonlocal last
        async with client.get(url) as response:
            if response.status != 200:
                return None
            last = (await response.json())["status"]
            return last if last in SETTLED else None

    status = await _until_answered(attempt, record, clock)
    if status is None:
        return dataclasses.replace(record, final_status=last)
    return dataclasses.replace(record, final_status=status, ended=clock())


async def _until_answered(
    attempt: Callable[[], Awaitable[T | None]], record: OrderRecord, clock: Clock
) -> T | None:
    """`attempt()` until it gives an answer, pausing between tries; None past the bound."""
    while clock() - record.sent < SETTLE_BOUND_S:
        try:
            answer = await attempt()
        except (aiohttp.ClientError, TimeoutError):
            answer = None
        if answer is not None:
            return answer
        await asyncio.sleep(RETRY_PAUSE_S)
    return None
