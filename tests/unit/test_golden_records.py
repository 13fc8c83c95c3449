"""Every golden record of every release still reads, and means what it meant (docs/evolution.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.golden import golden, kind_of, read


def kept(then: Any, now: Any, path: str = "") -> list[str]:
    """Where `now` no longer says what `then` said (a field added since is fine)."""
    if isinstance(then, dict) and isinstance(now, dict):
        return [p for key in then for p in kept(then[key], now.get(key), f"{path}.{key}")]
    if isinstance(then, list) and isinstance(now, list) and len(then) == len(now):
        return [
            p
            for i, pair in enumerate(zip(then, now, strict=True))
            for p in kept(*pair, f"{path}[{i}]")
        ]
    return [] if then == now else [f"{path or '(the record)'}: {then!r} then, {now!r} now"]


RECORDS = list(golden())


@pytest.mark.parametrize(
    "record", RECORDS, ids=[f"{r['release']}:{'/'.join(kind_of(r))}" for r in RECORDS]
)
def test_a_golden_record_still_reads_as_it_meant(record: dict[str, Any]) -> None:
    assert kept(record["reads_as"], read(record)) == []


def test_the_golden_records_hold_every_kind_of_record() -> None:
    headers = {(record["header"] or "").split(".v")[0] for record in RECORDS}
    kinds = {kind_of(record) for record in RECORDS}
    # One of each: events, commands, line results, gateway requests and answers, replies,
    # table values (tests/e2e/test_golden_records.py holds them to what the system writes).
    assert {"OrderCreated", "PlaceOrder", "LineGranted", "Charge", "GatewayAnswered"} <= headers
    assert {"OrderReply", "Order", "Product", "Reservation", "Payment", "DeadLetter"} <= headers
    assert len(kinds) == len(RECORDS), "one record of each kind"


def test_a_change_of_meaning_is_seen() -> None:
    assert kept({"status": "CONFIRMED", "n": [1]}, {"status": "FAILED", "n": [1], "x": 2}) == [
        ".status: 'CONFIRMED' then, 'FAILED' now"
    ]
