"""The invariants `oms check` reports, on plain snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.cli import check

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def product(pid: str, **levels: int) -> dict[str, object]:
    base = {"initial": 5, "added": 0, "removed": 0, "available": 5, "reserved": 0, "sold": 0}
    return {"id": pid, **base, **levels}


def order(oid: str, status: str, amount: str = "10.00", age_s: float = 1) -> dict[str, object]:
    updated = (NOW - timedelta(seconds=age_s)).isoformat()
    return {"id": oid, "status": status, "amount": amount, "updated_at": updated}


def payment(oid: str, status: str, amount: str = "10.00", age_s: float = 1) -> dict[str, object]:
    updated = (NOW - timedelta(seconds=age_s)).isoformat()
    return {"order_id": oid, "status": status, "amount": amount, "updated_at": updated}


def snapshot(
    products: list[check.Record] | tuple[()] = (),
    orders: list[check.Record] | tuple[()] = (),
    payments: list[check.Record] | tuple[()] = (),
) -> check.Snapshot:
    return check.Snapshot(list(products), list(orders), list(payments), NOW)


def test_a_product_whose_counts_do_not_add_up_breaks_the_balance() -> None:
    taken = snapshot([product("ok", available=3, sold=2), product("leak", available=3)])

    assert check.stock_balanced(taken) == ["leak"]


def test_negative_stock_is_reported() -> None:
    taken = snapshot([product("p", available=-1, sold=6)])

    assert check.no_negative_stock(taken) == ["p"]


def test_only_orders_unsettled_for_longer_than_the_timeout_are_stuck() -> None:
    taken = snapshot(orders=[order("new", "PENDING", age_s=5), order("old", "RESERVED", age_s=500)])

    assert check.no_order_stuck(taken, timedelta(seconds=120)) == ["old"]


def test_a_confirmed_order_needs_a_completed_payment_of_its_amount() -> None:
    taken = snapshot(
        orders=[
            order("paid", "CONFIRMED"),
            order("unpaid", "CONFIRMED"),
            order("short", "CONFIRMED"),
        ],
        payments=[payment("paid", "COMPLETED"), payment("short", "COMPLETED", "9.99")],
    )

    assert sorted(check.confirmed_orders_paid(taken)) == ["short", "unpaid"]


def test_a_cancelled_order_whose_payment_was_kept_is_reported() -> None:
    taken = snapshot(
        orders=[
            order("refunded", "CANCELLED"),
            order("kept", "CANCELLED"),
            order("never", "CANCELLED"),
        ],
        payments=[payment("refunded", "REFUNDED"), payment("kept", "COMPLETED")],
    )

    assert check.cancelled_orders_refunded(taken) == ["kept"]


def test_a_failed_order_whose_payment_is_kept_past_the_timeout_is_reported() -> None:
    taken = snapshot(
        orders=[order(oid, "FAILED") for oid in ("declined", "refunded", "refunding", "kept")],
        payments=[
            payment("declined", "FAILED", age_s=500),
            payment("refunded", "REFUNDED", age_s=500),
            payment("refunding", "REFUNDING", age_s=5),  # the refund is under way
            payment("kept", "COMPLETED", age_s=500),
        ],
    )

    assert check.failed_orders_keep_no_money(taken, timedelta(seconds=120)) == ["kept"]


def test_the_report_says_held_or_broken_for_each_invariant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines: list[str] = []
    taken = snapshot([product("leak", available=3)])
    monkeypatch.setattr(check, "snapshot", lambda *_: taken)

    status = check.run("o", "i", "p", timedelta(seconds=120), emit=lines.append)

    assert status == 1
    assert [line.split()[0] for line in lines[1:]] == ["BROKEN"] + ["held"] * 5
    assert lines[1].endswith(": leak")


def test_the_report_counts_each_services_dead_letters_and_names_the_newest() -> None:
    letter = {"id": "ORDER.CREATED:3:17", "error": "ValidationError: bad"}
    taken = check.Snapshot(
        [],
        [],
        [],
        NOW,
        dead_letters={
            "order": {"total": 0, "items": []},
            "inventory": {"total": 1, "items": [letter]},
        },
    )

    assert check.dead_letter_lines(taken) == [
        "dead letters: order 0, inventory 1",
        "  inventory: ORDER.CREATED:3:17: ValidationError: bad",
    ]
