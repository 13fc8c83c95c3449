"""When the saga page and `oms up` say the embedded broker holds too much (broker_load.py)."""

from __future__ import annotations

from apps.platform.broker_load import broker_note


def test_nothing_is_said_below_the_threshold_or_without_one() -> None:
    assert broker_note(4_999, 5_000) is None
    assert broker_note(1_000_000, 0) is None  # a broker apart, or Kafka


def test_past_the_threshold_the_note_says_how_much_it_holds_why_it_matters_and_what_to_do() -> None:
    note = broker_note(5_000, 5_000)

    assert note is not None
    assert "holds 5000 orders" in note and "in memory" in note and "latency" in note
    assert "Kafka" in note and "oms broker" in note and "docs/broker.md" in note
