"""The order agent: the orders table's owner, driven by REST commands and saga events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from apps.order import core
from apps.order.app import app, event_topics, order_inputs_topic, orders, watch
from apps.replies import reply_address
from apps.shell import apply, each_event
from models.base import utcnow


@app.agent(order_inputs_topic)
async def manage_orders(stream: Any) -> AsyncIterator[core.Decision | None]:
    """Place and cancel orders, and follow their saga; the only writer of the orders table."""
    async for decision in each_event(app, stream, apply_order_input):
        yield decision


async def apply_order_input(event: Any) -> core.Decision:
    message = event.value
    before = orders.get(message.order_id)
    decision = core.decide(before, message, utcnow())
    address = reply_address(event)
    await apply(
        app,
        orders,
        message.order_id,
        before=before,
        after=decision.order,
        changed=decision.changed,
        events=decision.events,
        event_topics=event_topics,
        replies=[(address, decision.reply)] if address and decision.reply else [],
    )
    if decision.changed:
        watch.changed(message.order_id)
    return decision
