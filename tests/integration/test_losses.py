"""How the e2e and fault tests see a loss (`tests.losses`), on a real broker: each look
counts the nudges and dead letters written since the last."""

from __future__ import annotations

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

    publish(broker, topics.dead_letters("order").name, [("x", b"not even json")] * 2)
    assert ledger.look() == Tally(nudges=1, dead_letters=3)


def test_a_nudge_or_a_dead_letter_not_put_there_on_purpose_fails_the_check(
    broker: Broker,
) -> None:
    before = look()
    publish(broker, topics.dead_letters("inventory").name, [("x", b"{")])

    assert_nothing_lost(before, dead_letters=1)
    publish(broker, topics.ORDER_COMMANDS.name, [("o-1", NUDGE)])
    with pytest.raises(AssertionError, match="1 stalled orders nudged"):
        assert_nothing_lost(before, dead_letters=1)
