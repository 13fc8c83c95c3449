"""The inventory agents: each reads state, asks its core, and applies the decision.

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

from collections.abc import AsyncIterator
from typing import Any

from apps.inventory.app import (
    app,
    reservation_inputs_topic,
    reservations,
    stock,
    stock_commands_topic,
)
from apps.inventory.core import reservations as reservation_rules
from apps.inventory.core import stock as stock_rules
from apps.platform.decision import Decision
from apps.platform.replies import reply_address
from apps.platform.shell import apply, each_event
from models.base import utcnow
from models.inventory import Product
from models.reservations import Reservation


@app.agent(stock_commands_topic)
async def apply_stock_commands(stream: Any) -> AsyncIterator[Decision[Product] | None]:
    """Apply product, stock and line commands; the only writer of the stock table."""
    async for decision in each_event(app, stream, apply_stock_command):
        yield decision


async def apply_stock_command(event: Any) -> Decision[Product]:
    command = event.value
    before = stock.get(command.product_id)
    decision = stock_rules.decide(before, command, event.message.offset, reply_address(event))
    await apply(app, stock, command.product_id, before, decision)
    return decision


@app.agent(reservation_inputs_topic)
async def reserve_stock(stream: Any) -> AsyncIterator[Decision[Reservation] | None]:
    """Hold, release and commit orders' stock; the only writer of the reservation table."""
    async for decision in each_event(app, stream, apply_reservation_input):
        yield decision


async def apply_reservation_input(event: Any) -> Decision[Reservation]:
    message = event.value
    before = reservations.get(message.order_id)
    decision = reservation_rules.decide(before, message, utcnow(), reply_address(event))
    await apply(app, reservations, message.order_id, before, decision)
    return decision
