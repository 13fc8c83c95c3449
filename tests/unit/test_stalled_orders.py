"""Stalled orders, as plain values: which ones the timer nudges, and how often."""

from __future__ import annotations

from datetime import timedelta

from apps.order.stalled import Nudges
from models.orders import NudgeOrder
from tests.unit.values import NOW, an_order

AFTER = timedelta(seconds=30)


def nudged(due: list[NudgeOrder]) -> list[str]:
    return [nudge.order_id for nudge in due]


def test_only_open_orders_unchanged_for_the_whole_while_are_nudged() -> None:
    orders = [
        an_order(id="old"),
        an_order(id="reserved", status="RESERVED"),
        an_order(id="done", status="CONFIRMED"),
    ]
    fresh = an_order(id="fresh", updated_at=NOW + timedelta(seconds=10))

    _, due = Nudges().due([*orders, fresh], NOW + AFTER, AFTER)
    _, early = Nudges().due(orders, NOW + AFTER - timedelta(seconds=1), AFTER)

    assert nudged(due) == ["old", "reserved"]
    assert due[0].updated_at == NOW  # the agent leaves it alone if the order moved since
    assert early == []


def test_an_order_that_stays_stalled_is_nudged_again_after_twice_as_long_each_time() -> None:
    order = an_order(id="stuck")
    nudges, sent_at = Nudges(), []

    for second in range(30, 400):
        nudges, due = nudges.due([order], NOW + timedelta(seconds=second), AFTER)
        sent_at += [second] * len(due)

    assert sent_at == [30, 90, 210]  # then 30 s, 60 s, 120 s later


def test_an_order_that_moved_since_its_nudge_waits_the_whole_while_again() -> None:
    order = an_order(id="slow")
    nudges, _ = Nudges().due([order], NOW + AFTER, AFTER)
    moved = order.model_copy(update={"updated_at": NOW + AFTER + timedelta(seconds=1)})

    _, soon = nudges.due([moved], NOW + 2 * AFTER, AFTER)
    _, later = nudges.due([moved], NOW + 2 * AFTER + timedelta(seconds=1), AFTER)

    assert soon == [] and nudged(later) == ["slow"]


def test_an_order_whose_payment_waits_on_the_processor_waits_its_timeout_besides() -> None:
    waiting = an_order(id="waits", status="RESERVED", payment_status="PENDING")
    timeout = timedelta(seconds=60)

    _, early = Nudges().due([waiting], NOW + AFTER + timeout - timedelta(seconds=1), AFTER, timeout)
    _, due = Nudges().due([waiting], NOW + AFTER + timeout, AFTER, timeout)

    assert early == [] and nudged(due) == ["waits"]


def test_an_order_settled_or_gone_is_forgotten() -> None:
    nudges, _ = Nudges().due([an_order(id="stuck")], NOW + AFTER, AFTER)

    settled, due = nudges.due([an_order(id="stuck", status="FAILED")], NOW + 2 * AFTER, AFTER)
    gone, _ = nudges.due([], NOW + 2 * AFTER, AFTER)

    assert due == [] and not settled.nudged and not gone.nudged
