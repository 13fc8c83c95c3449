"""The mix of orders a bench places: which kind comes when, what it asks, how it must end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OK, OUT_OF_STOCK, DECLINED, CANCELLED = "ok", "out_of_stock", "declined", "cancelled"
#: Of every 100 orders: mostly ones that succeed, a few of each way to fail.
DEFAULT_WEIGHTS: Mapping[str, int] = {OK: 85, OUT_OF_STOCK: 5, DECLINED: 5, CANCELLED: 5}
#: The status each kind must end in; any other end is a failure of the run.
EXPECTED_END: Mapping[str, str] = {
    OK: "CONFIRMED",
    OUT_OF_STOCK: "FAILED",
    DECLINED: "FAILED",
    CANCELLED: "CANCELLED",
}


def cycle(weights: Mapping[str, int] = DEFAULT_WEIGHTS) -> tuple[str, ...]:
    """One period of the mix, each kind spread as evenly as it can be (smooth round robin).

    Spreading matters for short runs and for each step of a search: every stretch of
    the period carries its share of each kind, rather than all the failures together.
    """
    if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) == 0:
        raise ValueError(f"weights must be non-negative and not all zero: {dict(weights)}")
    total = sum(weights.values())
    credit = dict.fromkeys(weights, 0)
    period = []
    for _ in range(total):
        for kind, weight in weights.items():
            credit[kind] += weight
        chosen = max(credit, key=lambda kind: credit[kind])
        credit[chosen] -= total
        period.append(chosen)
    return tuple(period)


def kind_of(number: int, period: tuple[str, ...]) -> str:
    """The kind of the bench's order `number` (from 0)."""
    return period[number % len(period)]


@dataclass(frozen=True)
class Catalog:
    """The products of one run: fresh ids, so runs never share stock."""

    #: Stocked products, spread over the partitions so no one stock agent takes all.
    stocked: tuple[str, ...]
    #: A product with no stock at all: an order for it ends FAILED (OUT_OF_STOCK).
    empty: str


def order_body(kind: str, number: int, catalog: Catalog) -> dict[str, Any]:
    """The body of `POST /orders` for the bench's order `number` of `kind`."""
    stocked = catalog.stocked[number % len(catalog.stocked)]
    product = catalog.empty if kind == OUT_OF_STOCK else stocked
    return {
        "customer_id": f"bench-{kind}",
        "items": [{"product_id": product, "quantity": 1}],
        "payment_token": "tok_declined" if kind == DECLINED else "tok_ok",
    }
