"""When a payment has waited too long, pure: what the timeout timer asks, and once only.

A timer never writes the payments table: it sends a `TimeOutPayment` command, and the
payment agent decides (a payment answered or charged again since ignores it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.payments import Payment, TimeOutPayment


def is_pending(payment: Payment) -> bool:
    """Whether `payment` waits on the processor: what the timer watches."""
    return payment.status == "PENDING"


def overdue(payments: Iterable[Payment], now: datetime, timeout: timedelta) -> list[TimeOutPayment]:
    """A timeout for each payment PENDING since longer than `timeout` (a timer sends them)."""
    return [
        TimeOutPayment(order_id=payment.order_id, charged_at=payment.charged_at)
        for payment in payments
        if is_pending(payment)
        and payment.charged_at is not None
        and now - payment.charged_at > timeout
    ]


@dataclass(frozen=True)
class TimeoutsAsked:
    """The timeouts a timer has sent and not yet seen answered: it asks once per charge."""

    charges: frozenset[tuple[str, datetime]] = frozenset()

    def ask(self, due: Iterable[TimeOutPayment]) -> tuple[TimeoutsAsked, list[TimeOutPayment]]:
        """Of the timeouts `due`, those to send now; and what is asked then.

        A payment no longer due was answered (or charged again) since: it is forgotten.
        """
        due = list(due)
        fresh = [timeout for timeout in due if _charge_of(timeout) not in self.charges]
        return TimeoutsAsked(frozenset(map(_charge_of, due))), fresh


def _charge_of(timeout: TimeOutPayment) -> tuple[str, datetime]:
    return timeout.order_id, timeout.charged_at
