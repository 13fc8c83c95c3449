"""What the bench counts of its orders: refusals, endings by kind, statuses, latencies."""

from __future__ import annotations

from apps.cli.bench import records
from apps.cli.bench.records import OrderRecord


def ended(kind: str, status: str, sent: float = 0.0, ended: float = 1.0) -> OrderRecord:
    return OrderRecord(
        kind, sent, post_status=201, post_latency=0.01, order_id=f"o-{sent}",
        final_status=status, ended=ended,
    )  # fmt: skip


def test_an_order_ends_as_expected_only_in_its_kinds_status() -> None:
    assert ended("ok", "CONFIRMED").as_expected
    assert ended("declined", "FAILED").as_expected
    assert ended("cancelled", "CANCELLED").as_expected
    assert not ended("ok", "FAILED").as_expected
    assert not ended("cancelled", "CONFIRMED").as_expected


def test_an_order_never_settled_or_never_placed_is_not_as_expected() -> None:
    open_order = OrderRecord("ok", 0.0, post_status=201, order_id="o", final_status="RESERVED")
    refused = OrderRecord("ok", 0.0, post_status=429)

    assert not open_order.as_expected and not refused.as_expected


def test_a_429_or_a_503_with_retry_after_is_refused_at_once_and_a_bare_503_is_not() -> None:
    assert OrderRecord("ok", 0.0, post_status=429).refused_at_once
    assert OrderRecord("ok", 0.0, post_status=503, retry_after=True).refused_at_once
    assert not OrderRecord("ok", 0.0, post_status=503).refused_at_once
    assert OrderRecord("ok", 0.0, post_status=504).timed_out


def test_latencies_are_counted_from_when_each_order_was_due() -> None:
    rows = [
        ended("ok", "CONFIRMED", sent=1.0, ended=1.5),
        OrderRecord("ok", 2.0, post_status=None, post_latency=60.0),
    ]

    assert records.post_latencies(rows) == [0.01, 60.0]
    assert records.terminal_latencies(rows) == [0.5]


def test_orders_are_counted_by_final_status_open_ones_and_unplaced_ones_apart() -> None:
    rows = [
        ended("ok", "CONFIRMED"),
        ended("ok", "CONFIRMED"),
        ended("declined", "FAILED"),
        OrderRecord("ok", 0.0, post_status=201, order_id="o", final_status="RESERVED"),
        OrderRecord("ok", 0.0, post_status=429),
    ]

    assert records.by_final_status(rows) == {
        "CONFIRMED": 2,
        "FAILED": 1,
        "NOT PLACED": 1,
        "UNSETTLED RESERVED": 1,
    }
    assert records.by_http_status(rows) == {"201": 4, "429": 1}


def test_each_kind_counts_what_ended_as_it_must_and_what_did_not() -> None:
    rows = [ended("ok", "CONFIRMED"), ended("ok", "FAILED"), ended("cancelled", "CANCELLED")]

    assert records.by_kind(rows) == {
        "cancelled": {"sent": 1, "as_expected": 1, "mismatched": 0},
        "ok": {"sent": 2, "as_expected": 1, "mismatched": 1},
    }
    assert records.mismatches(rows) == [rows[1]]


def test_under_overload_only_accepted_orders_can_be_mismatched() -> None:
    rows = [ended("ok", "CONFIRMED"), OrderRecord("ok", 0.0, post_status=429)]

    assert records.accepted_mismatches(rows) == []
    assert records.mismatches(rows) == [rows[1]]


def test_a_run_spans_from_its_start_to_the_last_answer_or_due_time() -> None:
    rows = [ended("ok", "CONFIRMED", sent=0.0, ended=2.5), OrderRecord("ok", 3.0, post_status=429)]

    assert records.span(rows) == 3.0
    assert records.span([]) == 0.0
