"""The inventory agents: each reads state, asks the core, writes the table and replies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from apps.inventory import core
from apps.inventory.app import app, stock, stock_commands_topic
from models.inventory import AnyStockCommand, StockReply

logger = logging.getLogger(__name__)


@app.agent(stock_commands_topic, use_reply_headers=True)
async def apply_stock_commands(
    commands: AsyncIterator[AnyStockCommand],
) -> AsyncIterator[StockReply]:
    """Apply product and stock commands; the only writer of the stock table."""
    async for command in commands:
        outcome = core.handle(stock.get(command.product_id), command)
        if outcome.changed:
            stock[command.product_id] = outcome.product
            logger.info("%s %s applied", command.type, command.product_id)
        elif outcome.rejection is not None:
            logger.info(
                "%s %s refused: %s", command.type, command.product_id, outcome.rejection.code
            )
        yield StockReply(product=outcome.product, rejection=outcome.rejection)
