"""The order agent: the orders table's owner, driven by REST commands and saga events."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from apps.dead_letters import handle_or_dead_letter
from apps.order import core
from apps.order.app import app, event_topics, order_inputs_topic, orders, watch
from apps.replies import reply_address, send_reply
from models.base import utcnow

logger = logging.getLogger(__name__)


@app.agent(order_inputs_topic)
async def manage_orders(stream: Any) -> AsyncIterator[core.Decision | None]:
    """Place and cancel orders, and follow their saga; the only writer of the orders table."""
    async for event in stream.events():
        yield await handle_or_dead_letter(app, event, partial(apply_order_input, event))


async def apply_order_input(event: Any) -> core.Decision:
    message = event.value
    order_id = message.order_id
    before = orders.get(order_id)
    decision = core.decide(before, message, utcnow())
    after = decision.order
    if decision.changed:
        orders[order_id] = after
        watch.changed(order_id)
        if after is not None and (before is None or before.status != after.status):
            logger.info("order %s: %s %s", order_id, after.status, after.reason or "")
    for saga_event in decision.events:
        await event_topics[saga_event.type].send(key=order_id, value=saga_event)
    address = reply_address(event)
    if address is not None and decision.reply is not None:
        await send_reply(app, address, decision.reply)
    return decision
