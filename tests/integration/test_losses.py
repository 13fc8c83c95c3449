"""How the e2e and fault tests see a loss (`tests.losses`), on a real broker: each look
counts the nudges and dead letters written since the last."""

from __future__ import annotations

from pathlib import Path

import pytest

import topics
from tests.losses import Ledger, Tally, assert_nothing_lost, look
from tests.processes import Broker, publish

NUDGE = {"type": "NudgeOrder", "order_id": "o-1", "updated_at": "2026-01-01T00:00:00Z"}
PLACED = {"type": "PlaceOrder", "order_id": "o-2"}


def test_a_look_counts_the_nudges_and_dead_letters_written_since_the_last(
    broker: Broker,
) -> None:
    ledger = Ledger(broker)
    assert ledger.look() == Tally()

    publish(broker, topics.ORDER_COMMANDS.name, [("o-1", NUDGE), ("o-2", PLACED)])
    publish(broker, topics.dead_letters("payment").name, [("ORDER.CREATED", {"any": "thing"})])
    assert ledger.look() == Tally(nudges=1, dead_letters=1)
    assert ledger.tally.nudged == ("o-1",)

    publish(broker, topics.dead_letters("order").name, [("x", b"not even json")] * 2)
    assert ledger.look() == Tally(nudges=1, dead_letters=3)


def test_a_nudge_or_a_dead_letter_not_put_there_on_purpose_fails_the_check(
    broker: Broker,
) -> None:
    before = look()
    publish(broker, topics.dead_letters("inventory").name, [("x", b"{")])

    assert_nothing_lost(before, dead_letters=1)
    publish(broker, topics.ORDER_COMMANDS.name, [("o-1", NUDGE)])
    with pytest.raises(AssertionError, match=r"1 stalled orders nudged.*\['o-1'\]"):
        assert_nothing_lost(before, dead_letters=1)


def test_a_nudge_shows_what_the_worker_logs_say_of_its_order(
    broker: Broker, tmp_path: Path
) -> None:
    (tmp_path / "order0").mkdir()
    (tmp_path / "order0" / "order-1.log").write_text("order o-1 stalled\norder o-2 fine\n")
    before = look()
    publish(broker, topics.ORDER_COMMANDS.name, [("o-1", NUDGE)])

    with pytest.raises(AssertionError, match=r"order-1\.log: order o-1 stalled") as failure:
        assert_nothing_lost(before, logs=tmp_path)
    assert "o-2" not in str(failure.value)
