"""The inventory service's Faust app, the topics its agents consume, and its tables."""

from __future__ import annotations

import topics
from apps.platform.app import create_app
from apps.platform.listed_table import listed_table
from models.inventory import Product, ProductFilter
from models.reservations import Reservation, ReservationFilter

app = create_app("inventory", views=["web.inventory", "web.reservations"])

stock_commands_topic = topics.STOCK_COMMANDS.bind(app)
#: Everything the reservation agent consumes: all keyed by order id.
reservation_inputs_topic = topics.bind(
    app,
    topics.ORDER_CREATED,
    *topics.PAYMENT_OUTCOMES,
    topics.LINE_RESULTS,
    topics.RESERVATION_COMMANDS,
)

stock = listed_table(
    app,
    "stock",
    query=ProductFilter,
    key_type=str,
    value_type=Product,
    help="Products by id, with their available, reserved and sold counts.",
)
reservations = listed_table(
    app,
    "reservations",
    query=ReservationFilter,
    key_type=str,
    value_type=Reservation,
    help="Reservations by order id: each order's all-or-nothing hold on stock.",
)
