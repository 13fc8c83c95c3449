"""Which open orders have stalled, pure: what the nudge timer sends, and how often.

Every step of the saga is delivered at least once, so an order only stalls if a record
was lost on the way, which should not happen. It was seen once, in the test that kills
a worker of each service mid-load (docs/guarantees.md). An order that has not changed
for `after` is nudged: the order agent says again what it waits on, and each service
repeats what it decided, so the saga goes on from where it stopped. A timer never
writes the table: it sends `NudgeOrder`, and again after twice as long while the order
stays stalled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.orders import SETTLED, NudgeOrder, Order


def is_open(order: Order) -> bool:
    """Whether the saga of `order` is still under way: what the timer watches."""
    return order.status not in SETTLED


def waits_on_processor(order: Order) -> bool:
    """Whether the payment holds the charge for the processor's callback, which the
    payment service times out by itself (OMS_PAYMENT_TIMEOUT)."""
    return order.status == "RESERVED" and order.payment_status == "PENDING"


#: For an order nudged: the `updated_at` it was nudged at, when it is due next, the wait.
Nudged = tuple[datetime, datetime, timedelta]


@dataclass(frozen=True)
class Nudges:
    """The orders the timer has nudged and still sees stalled: when each is due again."""

    nudged: Mapping[str, Nudged] = field(default_factory=dict)

    def due(
        self,
        orders: Iterable[Order],
        now: datetime,
        after: timedelta,
        payment_timeout: timedelta = timedelta(0),
    ) -> tuple[Nudges, list[NudgeOrder]]:
        """The nudges to send now for `orders`, and what is remembered then.

        An order is due once it has been open and unchanged for `after` (and the
        `payment_timeout` besides, while it waits on the processor); if it stays so,
        again after twice as long each time (a nudge that cannot help is not sent every
        tick). An order that moved since starts afresh; one settled or gone is forgotten.
        """
        remembered: dict[str, Nudged] = {}
        fresh: list[NudgeOrder] = []
        for order in orders:
            if not is_open(order):
                continue
            last = self.nudged.get(order.id)
            if last is not None and last[0] == order.updated_at:
                _, due_at, wait = last  # nudged before, and unchanged since
            else:
                wait = after + (payment_timeout if waits_on_processor(order) else timedelta(0))
                due_at, last = order.updated_at + wait, None
            if now >= due_at:
                fresh.append(NudgeOrder(order_id=order.id, updated_at=order.updated_at))
                remembered[order.id] = (order.updated_at, now + 2 * wait, 2 * wait)
            elif last is not None:
                remembered[order.id] = last
        return Nudges(remembered), fresh
