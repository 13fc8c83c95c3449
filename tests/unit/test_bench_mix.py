"""The mix of orders: its shares, how evenly spread, what each kind asks and must end as."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from apps.cli.bench.mix import (
    CANCELLED,
    DECLINED,
    DEFAULT_WEIGHTS,
    EXPECTED_END,
    OK,
    OUT_OF_STOCK,
    Catalog,
    cycle,
    kind_of,
    order_body,
)

CATALOG = Catalog(stocked=("p-0", "p-1", "p-2"), empty="p-empty")


def test_the_default_mix_is_85_ok_and_5_of_each_failure_in_every_hundred() -> None:
    assert Counter(cycle()) == {OK: 85, OUT_OF_STOCK: 5, DECLINED: 5, CANCELLED: 5}


def test_the_failures_are_spread_through_the_period_not_bunched() -> None:
    period = cycle()
    for kind in (OUT_OF_STOCK, DECLINED, CANCELLED):
        places = [n for n, k in enumerate(period) if k == kind]
        gaps = {b - a for a, b in itertools.pairwise(places)}
        assert gaps == {20}, (kind, places)


def test_every_stretch_of_twenty_orders_carries_one_of_each_failure() -> None:
    period = cycle()
    for start in range(0, 200, 20):
        stretch = Counter(kind_of(n, period) for n in range(start, start + 20))
        assert stretch == {OK: 17, OUT_OF_STOCK: 1, DECLINED: 1, CANCELLED: 1}


def test_the_schedule_goes_on_across_periods() -> None:
    period = cycle({OK: 2, DECLINED: 1})

    assert [kind_of(n, period) for n in range(6)] == [OK, DECLINED, OK] * 2


def test_weights_that_are_all_zero_are_refused() -> None:
    with pytest.raises(ValueError, match="not all zero"):
        cycle({OK: 0})


def test_each_kind_must_end_as_its_saga_case_ends() -> None:
    assert dict(EXPECTED_END) == {
        OK: "CONFIRMED",
        OUT_OF_STOCK: "FAILED",
        DECLINED: "FAILED",
        CANCELLED: "CANCELLED",
    }
    assert set(EXPECTED_END) == set(DEFAULT_WEIGHTS)


def test_an_out_of_stock_order_asks_for_the_product_with_no_stock() -> None:
    body = order_body(OUT_OF_STOCK, 7, CATALOG)

    assert body["items"] == [{"product_id": "p-empty", "quantity": 1}]
    assert body["payment_token"] == "tok_ok"


def test_a_declined_order_carries_the_declined_token_for_a_stocked_product() -> None:
    body = order_body(DECLINED, 4, CATALOG)

    assert body["payment_token"] == "tok_declined"
    assert body["items"] == [{"product_id": "p-1", "quantity": 1}]


def test_orders_are_spread_over_the_stocked_products_in_turn() -> None:
    products = [order_body(OK, n, CATALOG)["items"][0]["product_id"] for n in range(6)]

    assert products == ["p-0", "p-1", "p-2"] * 2
