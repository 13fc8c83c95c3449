"""The payment timeout, as plain values: what is overdue, and what the timer asks once."""

from __future__ import annotations

from datetime import timedelta

from apps.payment.core import timeouts
from models.payments import Payment
from tests.unit.values import NOW, a_payment

TIMEOUT = timedelta(seconds=60)


def charged(order_id: str, status: str = "PENDING") -> Payment:
    return a_payment(order_id=order_id, payment_id=f"pay-{order_id}", status=status, charged_at=NOW)


def test_only_payments_pending_longer_than_the_timeout_are_overdue() -> None:
    old, paid = charged("old"), charged("paid", status="COMPLETED")

    due = timeouts.overdue([old, paid], NOW + timedelta(seconds=61), TIMEOUT)
    early = timeouts.overdue([old], NOW + timedelta(seconds=59), TIMEOUT)

    assert [(t.order_id, t.charged_at) for t in due] == [("old", NOW)]
    assert early == []


def test_the_timer_asks_once_per_charge_and_forgets_a_timeout_once_answered() -> None:
    due = timeouts.overdue([charged("old")], NOW + timedelta(seconds=61), TIMEOUT)

    asked, first = timeouts.TimeoutsAsked().ask(due)
    asked, second = asked.ask(due)
    answered, _ = asked.ask([])  # the payment failed: no longer due
    _, again = answered.ask(due)

    assert first == due and second == [] and again == due


def test_the_timer_watches_only_the_payments_still_pending() -> None:
    paid = a_payment(order_id="o-paid", status="COMPLETED")

    assert timeouts.is_pending(charged("o-waits")) and not timeouts.is_pending(paid)
