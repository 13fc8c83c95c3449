"""The order agent: the orders table's owner, driven by REST commands and saga events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from apps.order import core
from apps.order.app import app, feed, open_sagas, order_inputs_topic, orders, watch
from apps.platform.decision import Decision
from apps.platform.replies import reply_address
from apps.platform.shell import apply, each_event
from models.base import utcnow
from models.orders import Order


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
    watch.changed(order.id)
    feed.publish(order)
