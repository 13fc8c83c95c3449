"""The order agent and the stalled-saga timer.

- `manage_orders` owns the orders table: it applies the REST commands and the saga's
  events through the pure core, and sends what the core decides.
- `nudge_stalled_orders` is a timer: it only sends a `NudgeOrder` for each order open
  and unchanged too long (see `stalled`); the agent decides. It reads only the orders
  it knows to be open, not the whole table.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from typing import Any

from faust.types import TP

from apps.order import core
from apps.order.app import app, feed, open_sagas, order_inputs_topic, orders, watch
from apps.order.stalled import Nudges
from apps.platform import metrics, tracing
from apps.platform.decision import Decision
from apps.platform.replies import reply_address
from apps.platform.shell import apply, each_event
from apps.platform.watched_rows import WatchedRows
from models.base import utcnow
from models.orders import OpenOrders, Order

logger = logging.getLogger(__name__)


@app.agent(order_inputs_topic)
async def manage_orders(stream: Any) -> AsyncIterator[Decision[Order] | None]:
    """Place and cancel orders, and follow their saga; the only writer of the orders table."""
    async for decision in each_event(app, stream, apply_order_input):
        yield decision


async def apply_order_input(event: Any) -> Decision[Order]:
    message = event.value
    before = orders.get(message.order_id)
    decision = core.decide(before, message, utcnow(), reply_address(event))
    await apply(app, orders, message.order_id, before, decision, partial(written, event))
    return decision


def written(event: Any, order: Order) -> None:
    """What this worker keeps beside the table follows each order it writes."""
    open_sagas.note(event.message.partition, order)
    open_orders.note(order.id, order)
    watch.changed(order.id)
    feed.publish(order)


#: The orders this worker owns whose saga is under way.
open_orders: WatchedRows[Order] = WatchedRows(orders, OpenOrders())


class NudgeTimer:
    """Nudges each order this worker owns that stays open and unchanged for `after`."""

    def __init__(self, after: timedelta, payment_timeout: timedelta) -> None:
        self.after = after
        self.payment_timeout = payment_timeout
        self.nudges = Nudges()

    async def tick(self) -> None:
        rows = await open_orders.rows()
        if rows is None:
            return
        by_id = {order.id: order for order in rows}
        self.nudges, due = self.nudges.due(rows, utcnow(), self.after, self.payment_timeout)
        for nudge in due:
            order = by_id[nudge.order_id]
            # Not expected: a record of this saga was lost on the way (see `stalled`).
            logger.warning(
                "order %s stalled %s since %s: nudged", order.id, order.status, order.updated_at
            )
            metrics.SAGAS_NUDGED.inc()
            with tracing.continuing(order, "nudge order"):
                await app.publish(nudge)


#: How long an order may stay open and unchanged: OMS_SAGA_NUDGE_AFTER (and, while its
#: payment waits on the processor, OMS_PAYMENT_TIMEOUT besides).
nudge_timer = NudgeTimer(
    timedelta(seconds=app.settings.saga_nudge_after),
    timedelta(seconds=app.settings.payment_timeout),
)
nudge_stalled_orders = app.timer(interval=1.0, name="nudge_stalled_orders")(nudge_timer.tick)


@app.on_partitions_assigned.connect
async def read_open_orders_anew(app: object, assigned: set[TP], **kwargs: object) -> None:
    open_orders.forget()
