"""The inventory agents: each reads state, asks the core, writes its table and sends.

- `apply_stock_commands` owns the stock table (keyed by product id). It applies the
  catalog and stock-level commands of the REST views and replies to them. It also
  applies the line commands of reservations and answers each with a line result.
- `reserve_stock` owns the reservation table (keyed by order id). It opens a
  reservation on ORDER.CREATED (or a manual hold), collects the line results,
  releases or commits on the payment's outcome, and emits the inventory's saga events.

Each agent yields what it decided for every event (or None if the event was dead-
lettered): nothing consumes it in production, and tests read it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from apps.inventory.app import (
    app,
    event_topics,
    line_results_topic,
    reservation_inputs_topic,
    reservations,
    stock,
    stock_commands_topic,
)
from apps.inventory.core import reservations as reservation_rules
from apps.inventory.core import stock as stock_rules
from apps.replies import reply_address, send_reply
from apps.shell import apply, each_event
from models.base import utcnow
from models.inventory import StockReply

logger = logging.getLogger(__name__)


@app.agent(stock_commands_topic)
async def apply_stock_commands(stream: Any) -> AsyncIterator[stock_rules.Outcome | None]:
    """Apply product, stock and line commands; the only writer of the stock table."""
    async for outcome in each_event(app, stream, apply_stock_command):
        yield outcome


async def apply_stock_command(event: Any) -> stock_rules.Outcome:
    command = event.value
    outcome = stock_rules.handle(stock.get(command.product_id), command, event.message.offset)
    if outcome.changed:
        stock[command.product_id] = outcome.product
    for result in outcome.results:
        await line_results_topic.send(key=result.order_id, value=result)
    if outcome.rejection is not None:
        logger.info("%s %s refused: %s", command.type, command.product_id, outcome.rejection.code)
    if (address := reply_address(event)) is not None:
        reply = StockReply(product=outcome.product, rejection=outcome.rejection)
        await send_reply(app, address, reply)
    return outcome


@app.agent(reservation_inputs_topic)
async def reserve_stock(stream: Any) -> AsyncIterator[reservation_rules.Decision | None]:
    """Hold, release and commit orders' stock; the only writer of the reservation table."""
    async for decision in each_event(app, stream, apply_reservation_input):
        yield decision


async def apply_reservation_input(event: Any) -> reservation_rules.Decision:
    message = event.value
    before = reservations.get(message.order_id)
    decision = reservation_rules.decide(before, message, utcnow(), reply_address(event))
    for command in decision.commands:
        await stock_commands_topic.send(key=command.product_id, value=command)
    await apply(
        app,
        reservations,
        message.order_id,
        before=before,
        after=decision.reservation,
        changed=decision.changed,
        events=decision.events,
        event_topics=event_topics,
        replies=decision.replies,
    )
    return decision
