"""The inventory service's Faust app, its topics and its stock table."""

from __future__ import annotations

import topics
from apps.runtime import create_app
from models.inventory import Product

app = create_app("inventory")

stock_commands_topic = topics.STOCK_COMMANDS.bind(app)

stock = app.Table(
    "stock",
    key_type=str,
    value_type=Product,
    help="Products by id, with their available, reserved and sold counts.",
)
