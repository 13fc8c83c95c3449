"""`oms check`: read the three services and report each invariant as held or broken.

The invariants (DESIGN.md, section 8) are pure functions of what the services list;
each returns the ids that break it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from apps.cli.rest import every_entry, every_item, get
from models.orders import SETTLED

Record = dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """What the services hold: products (raw stock values), orders, payments."""

    products: list[Record]
    orders: list[Record]
    payments: list[Record]
    now: datetime
    #: Each service's dead letters: how many, and the newest few.
    dead_letters: dict[str, Record] = field(default_factory=dict)

    @cached_property
    def payment_of(self) -> dict[str, Record]:
        """Each order's payment, by order id."""
        return {p["order_id"]: p for p in self.payments}


def stock_balanced(snapshot: Snapshot) -> list[str]:
    """initial + added - removed = available + reserved + sold, for every product."""
    return [
        p["id"]
        for p in snapshot.products
        if p["initial"] + p["added"] - p["removed"] != p["available"] + p["reserved"] + p["sold"]
    ]


def no_negative_stock(snapshot: Snapshot) -> list[str]:
    return [p["id"] for p in snapshot.products if min(p["available"], p["reserved"]) < 0]


def no_order_stuck(snapshot: Snapshot, saga_timeout: timedelta) -> list[str]:
    """No order outside a terminal state longer than the saga timeout."""
    return [
        o["id"]
        for o in snapshot.orders
        if o["status"] not in SETTLED
        and snapshot.now - datetime.fromisoformat(o["updated_at"]) > saga_timeout
    ]


def confirmed_orders_paid(snapshot: Snapshot) -> list[str]:
    """Every CONFIRMED order has its one payment COMPLETED, for its amount."""
    broken = []
    for order in snapshot.orders:
        if order["status"] != "CONFIRMED":
            continue
        payment = snapshot.payment_of.get(order["id"])
        if (
            payment is None
            or payment["status"] != "COMPLETED"
            or Decimal(payment["amount"] or "0") != Decimal(order["amount"] or "0")
        ):
            broken.append(order["id"])
    return broken


def cancelled_orders_refunded(snapshot: Snapshot) -> list[str]:
    """Every CANCELLED order that was paid is REFUNDED (no money is kept)."""
    return [
        o["id"]
        for o in snapshot.orders
        if o["status"] == "CANCELLED"
        and snapshot.payment_of.get(o["id"], {}).get("status") in {"COMPLETED", "REFUNDING"}
    ]


def failed_orders_keep_no_money(snapshot: Snapshot, saga_timeout: timedelta) -> list[str]:
    """No FAILED order's payment stays taken (COMPLETED or REFUNDING) past the saga timeout.

    An order fails on inventory's word before its payment service hears it, so a
    prepayment is refunded a moment after the order failed, not with it.
    """
    kept = {"COMPLETED", "REFUNDING"}
    return [
        o["id"]
        for o in snapshot.orders
        if o["status"] == "FAILED"
        and (payment := snapshot.payment_of.get(o["id"])) is not None
        and payment["status"] in kept
        and snapshot.now - datetime.fromisoformat(payment["updated_at"]) > saga_timeout
    ]


def invariants(saga_timeout: timedelta) -> list[tuple[str, Callable[[Snapshot], list[str]]]]:
    return [
        ("stock balanced: initial + added - removed = available + reserved + sold", stock_balanced),
        ("no available or reserved stock below zero", no_negative_stock),
        (
            f"no order outside a terminal state for over {saga_timeout.total_seconds():g} s",
            lambda snapshot: no_order_stuck(snapshot, saga_timeout),
        ),
        ("every CONFIRMED order has one COMPLETED payment of its amount", confirmed_orders_paid),
        ("every CANCELLED order that was paid is REFUNDED", cancelled_orders_refunded),
        (
            f"no FAILED order's payment kept for over {saga_timeout.total_seconds():g} s",
            lambda snapshot: failed_orders_keep_no_money(snapshot, saga_timeout),
        ),
    ]


# -- reading the services -------------------------------------------------------------


#: How many of each service's newest dead letters the report names.
NEWEST_DEAD_LETTERS = 3


def snapshot(order_url: str, inventory_url: str, payment_url: str) -> Snapshot:
    urls = {"order": order_url, "inventory": inventory_url, "payment": payment_url}
    return Snapshot(
        products=[e["value"] for e in every_entry(f"{inventory_url}/tables/stock")],
        orders=list(every_item(f"{order_url}/orders")),
        payments=list(every_item(f"{payment_url}/payments")),
        now=datetime.now(UTC),
        dead_letters={
            service: get(f"{url}/dead-letters?limit={NEWEST_DEAD_LETTERS}")
            for service, url in urls.items()
        },
    )


def dead_letter_lines(snapshot: Snapshot) -> list[str]:
    """A line of counts, then a line for each of the newest dead letters of each service."""
    if not snapshot.dead_letters:
        return []
    counts = ", ".join(f"{name} {page['total']}" for name, page in snapshot.dead_letters.items())
    lines = [f"dead letters: {counts}"]
    for name, page in snapshot.dead_letters.items():
        lines += [f"  {name}: {letter['id']}: {letter['error']}" for letter in page["items"]]
    return lines


def run(
    order_url: str,
    inventory_url: str,
    payment_url: str,
    saga_timeout: timedelta,
    emit: Callable[[str], None] = print,
) -> int:
    """Report each invariant, and the dead letters; 1 if an invariant is broken."""
    taken = snapshot(order_url, inventory_url, payment_url)
    emit(
        f"{len(taken.products)} products, {len(taken.orders)} orders, "
        f"{len(taken.payments)} payments"
    )
    broken = 0
    for name, check in invariants(saga_timeout):
        offenders = check(taken)
        if offenders:
            broken += 1
            emit(f"BROKEN  {name}: {', '.join(sorted(offenders))}")
        else:
            emit(f"held    {name}")
    for line in dead_letter_lines(taken):
        emit(line)
    return 1 if broken else 0
