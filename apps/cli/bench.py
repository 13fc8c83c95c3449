"""`oms bench`: place many orders against a running system and report throughput and latency."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from uuid import uuid4

from apps.cli.rest import call, post, require_ready
from models.orders import SETTLED

#: Orders accepted but not yet settled at most; each holds one thread long-polling it.
MAX_IN_FLIGHT = 1000
#: Seconds after its POST that an order may take to settle before the bench gives up on it.
SETTLE_BOUND_S = 300.0
#: The long-poll of `GET /orders/{id}?wait=` (the API allows up to 30 s).
WAIT_S = 30

#: Seconds since the bench began.
Clock = Callable[[], float]


@dataclass(frozen=True)
class Sample:
    """One order as the bench saw it; times are seconds since the bench began."""

    order_id: str  # the order's id, or `#n` when its POST was refused
    status: str  # the last status seen, or `REFUSED <http status>`
    sent: float
    accepted: float | None = None  # when the 201 came back
    settled: float | None = None  # when a terminal status came back


# -- the pure part: from outcomes to a report -------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest sample at or above `fraction` of them (no interpolation)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def post_latencies(outcomes: Sequence[Sample]) -> list[float]:
    return [o.accepted - o.sent for o in outcomes if o.accepted is not None]


def settle_latencies(outcomes: Sequence[Sample]) -> list[float]:
    return [o.settled - o.sent for o in outcomes if o.settled is not None]


def not_confirmed(outcomes: Sequence[Sample]) -> list[Sample]:
    return [o for o in outcomes if o.status != "CONFIRMED"]


def exit_status(outcomes: Sequence[Sample]) -> int:
    return 1 if not outcomes or not_confirmed(outcomes) else 0


def rate_line(label: str, moments: Sequence[float]) -> str:
    """`label  N in S s  R orders/s`, timed from the bench's start to the last moment."""
    if not moments:
        return f"{label:<10} {0:>6}"
    elapsed = max(moments)
    per_second = len(moments) / elapsed if elapsed > 0 else math.inf
    return f"{label:<10} {len(moments):>6} in {elapsed:7.2f} s  {per_second:8.1f} orders/s"


def latency_line(label: str, samples: Sequence[float]) -> str:
    if not samples:
        return f"{label:<14} {'-':>8}"
    cells = [percentile(samples, q) for q in (0.50, 0.95, 0.99)] + [max(samples)]
    return f"{label:<14}" + "".join(f" {cell * 1000:8.1f}" for cell in cells)


def report(outcomes: Sequence[Sample], concurrency: int) -> list[str]:
    accepted = [o.accepted for o in outcomes if o.accepted is not None]
    settled = [o.settled for o in outcomes if o.settled is not None]
    counts = Counter(o.status for o in outcomes)
    lines = [
        f"{len(outcomes)} orders, {concurrency} concurrent clients",
        rate_line("accepted", accepted),
        rate_line("settled", settled),
        f"{'latency (ms)':<14} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}",
        latency_line("POST", post_latencies(outcomes)),
        latency_line("POST→terminal", settle_latencies(outcomes)),
        "status: " + ", ".join(f"{status} {n}" for status, n in sorted(counts.items())),
    ]
    missed = not_confirmed(outcomes)
    if missed:
        lines.append(
            f"not confirmed ({len(missed)}): "
            + ", ".join(f"{o.order_id} {o.status}" for o in missed)
        )
    return lines


# -- the shell: the requests, timed ---------------------------------------------------


def create_product(inventory_url: str, stock: int) -> str:
    """A fresh product holding exactly the stock the bench's orders take."""
    product_id = f"bench-{uuid4().hex[:8]}"
    body = {"id": product_id, "name": "Bench widget", "price": "1.00", "stock": stock}
    post(f"{inventory_url}/products", body)
    return product_id


def settle(order_url: str, order_id: str, sent: float, accepted: float, clock: Clock) -> Sample:
    """Long-poll one order until it is terminal, or until SETTLE_BOUND_S after its POST."""
    status = "PENDING"
    while clock() - sent < SETTLE_BOUND_S:
        code, order = call("GET", f"{order_url}/orders/{order_id}?wait={WAIT_S}")
        if code == 200:
            status = order["status"]
            if status in SETTLED:
                return Sample(order_id, status, sent, accepted, clock())
        else:  # a 503 or 504 while a worker rebalances: ask again shortly
            time.sleep(0.1)
    return Sample(order_id, status, sent, accepted)


def measure(order_url: str, product_id: str, orders: int, concurrency: int) -> list[Sample]:
    """`concurrency` clients POST the orders; each accepted one is watched until it settles.

    Placing and watching are apart, so the POST rate is the order service's own and the
    settle rate the saga's; every order is watched from its 201 on, so when it settles
    is seen at once.
    """
    start = time.perf_counter()

    def clock() -> float:
        return time.perf_counter() - start

    body = {"customer_id": "bench", "items": [{"product_id": product_id, "quantity": 1}]}
    in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)
    waiters = ThreadPoolExecutor(max_workers=min(orders, MAX_IN_FLIGHT))

    def watched(order_id: str, sent: float, accepted: float) -> Sample:
        try:
            return settle(order_url, order_id, sent, accepted, clock)
        finally:
            in_flight.release()

    def place(number: int) -> Sample | Future[Sample]:
        in_flight.acquire()
        sent = clock()
        status, order = call("POST", f"{order_url}/orders", body)
        if status != 201:
            in_flight.release()
            return Sample(f"#{number}", f"REFUSED {status}", sent)
        return waiters.submit(watched, str(order["id"]), sent, clock())

    with waiters, ThreadPoolExecutor(max_workers=concurrency) as clients:
        placed = list(clients.map(place, range(1, orders + 1)))
        return [p if isinstance(p, Sample) else p.result() for p in placed]


def run(
    order_url: str,
    inventory_url: str,
    orders: int,
    concurrency: int,
    emit: Callable[[str], None] = print,
) -> int:
    """Bench the running system; 1 unless every order settled CONFIRMED."""
    require_ready(order_url, inventory_url)
    product_id = create_product(inventory_url, stock=orders)
    emit(f"placing {orders} orders of one {product_id} each...")
    outcomes = measure(order_url, product_id, orders, concurrency)
    for line in report(outcomes, concurrency):
        emit(line)
    return exit_status(outcomes)
