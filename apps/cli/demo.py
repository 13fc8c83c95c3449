"""`oms demo`: every case of the saga against a running system, each order's path printed."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from apps.cli.rest import ServiceError, call, get, post, require_ready
from models.orders import SETTLED

WAIT_BOUND_S = 120.0


@dataclass(frozen=True)
class Client:
    order: str
    inventory: str
    payment: str

    def place(self, token: str | None, **lines: int) -> str:
        body: dict[str, Any] = {
            "customer_id": "demo",
            "items": [{"product_id": p, "quantity": q} for p, q in lines.items()],
        }
        if token:
            body["payment_token"] = token
        return str(post(f"{self.order}/orders", body)["id"])

    def order_now(self, order_id: str, wait: float = 0) -> dict[str, Any]:
        return dict(get(f"{self.order}/orders/{order_id}?wait={wait:g}"))

    def until(self, order_id: str, statuses: set[str]) -> dict[str, Any]:
        """The order once its status is one of `statuses`."""
        deadline = time.monotonic() + WAIT_BOUND_S
        wait = 10 if statuses <= SETTLED else 0
        while time.monotonic() < deadline:
            order = self.order_now(order_id, wait)
            if order["status"] in statuses or order["status"] in SETTLED - {"CONFIRMED"}:
                return order
            time.sleep(0.02)
        raise ServiceError(f"order {order_id} did not reach {sorted(statuses)}")


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Client, dict[str, str]], str]  # returns the order id


def simple(token: str | None, **lines: int) -> Callable[[Client, dict[str, str]], str]:
    def run(client: Client, products: dict[str, str]) -> str:
        order_id = client.place(token, **{products.get(p, p): q for p, q in lines.items()})
        client.until(order_id, SETTLED)
        return order_id

    return run


def cancelled(
    token: str, after: str | None, how: str = "cancel"
) -> Callable[[Client, dict[str, str]], str]:
    """A lamp ordered with `token`, then (once `after`, or at once) cancelled or refunded."""

    def run(client: Client, products: dict[str, str]) -> str:
        order_id = client.place(token, **{products["lamp"]: 1})
        if after is not None:
            client.until(order_id, {after})
        if how == "refund":
            refund = {"order_id": order_id, "status": "REFUNDED"}
            call("PUT", f"{client.payment}/payments/status", refund)
        else:
            call("DELETE", f"{client.order}/orders/{order_id}")
        client.until(order_id, {"CANCELLED"})
        return order_id

    return run


CASES = [
    Case("happy path", simple("tok_ok", lamp=2)),
    Case("out of stock", simple("tok_ok", mug=3)),
    Case("unknown product", simple("tok_ok", **{"no-such-product": 1})),
    Case("inactive product", simple("tok_ok", retired=1)),
    Case("payment declined", simple("tok_declined", lamp=1)),
    Case("over the limit", simple("tok_ok", gold=2)),
    Case("flaky payment, retried", simple("tok_flaky", lamp=1)),
    Case("cancel before payment", cancelled("tok_pending", after="RESERVED")),
    Case("cancel after payment", cancelled("tok_ok", after="CONFIRMED")),
    Case("operator refund", cancelled("tok_ok", after="CONFIRMED", how="refund")),
    Case("cancel racing the saga", cancelled("tok_ok", after=None)),
    Case("two lines, one short", simple("tok_ok", lamp=1, mug=5)),
]
TIMEOUT_CASE = Case("payment timeout", simple("tok_pending", lamp=1))

CATALOG = {
    "lamp": {"name": "Desk lamp", "price": "24.90", "stock": 20},
    "mug": {"name": "Mug", "price": "8.50", "stock": 2},
    "retired": {"name": "Retired model", "price": "5.00", "stock": 5, "active": False},
    "gold": {"name": "Gold bar", "price": "6000.00", "stock": 5},
}


def stock_catalog(client: Client) -> dict[str, str]:
    """Create the demo's products under fresh ids; name -> id."""
    suffix = uuid4().hex[:6]
    products = {}
    for name, fields in CATALOG.items():
        product_id = f"demo-{name}-{suffix}"
        post(f"{client.inventory}/products", {"id": product_id, **fields})
        products[name] = product_id
    return products


def path(order: dict[str, Any]) -> str:
    """`PENDING → RESERVED +0.19 s → ...`: the statuses, timed from the first."""
    history = order["history"]
    start = datetime.fromisoformat(history[0]["at"])
    steps = [history[0]["status"]]
    for change in history[1:]:
        elapsed = (datetime.fromisoformat(change["at"]) - start).total_seconds()
        steps.append(f"{change['status']} +{elapsed:.2f}s")
    return " → ".join(steps)


def run(client: Client, *, include_timeout: bool, emit: Callable[[str], None] = print) -> int:
    require_ready(client.order, client.inventory, client.payment)
    products = stock_catalog(client)
    cases = CASES + ([TIMEOUT_CASE] if include_timeout else [])
    emit(f"{len(cases)} orders placed at once; each line shows its path through the saga.")
    if include_timeout:
        emit("(the payment timeout case waits OMS_PAYMENT_TIMEOUT, 60 s by default)")
    emit("")
    failures = 0
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {pool.submit(case.run, client, products): case for case in cases}
        for future in as_completed(futures):
            case = futures[future]
            try:
                order = client.order_now(future.result())
            except ServiceError as exc:
                failures += 1
                emit(f"{case.name:<24} ERROR {exc}")
                continue
            reason = f" ({order['reason']})" if order["reason"] else ""
            emit(f"{case.name:<24} {order['status']:<10}{reason}")
            emit(f"{'':<24} {path(order)}")
    emit("")
    emit(f"{'product':<26} {'available':>9} {'reserved':>9} {'sold':>5}")
    for product_id in products.values():
        product = get(f"{client.inventory}/products/{product_id}")
        emit(
            f"{product_id:<26} {product['available']:>9} {product['reserved']:>9} "
            f"{product['sold']:>5}"
        )
    return 1 if failures else 0
