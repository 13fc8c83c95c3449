"""The order service's Faust app, its topics and its orders table."""

from __future__ import annotations

import topics
from apps.order.watch import OrderWatch
from apps.runtime import create_app
from models.orders import Order

app = create_app("order")

commands_topic = topics.ORDER_COMMANDS.bind(app)
#: Everything the order agent consumes: all keyed by order id.
order_inputs_topic = topics.bind(
    app, topics.ORDER_COMMANDS, *topics.INVENTORY_EVENTS, *topics.PAYMENT_OUTCOMES
)
#: Saga events by type (an event's type is its topic's name).
event_topics = {spec.name: spec.bind(app) for spec in topics.ORDER_EVENTS}

orders = app.Table(
    "orders",
    key_type=str,
    value_type=Order,
    help="Orders by id, with their status, history and what the saga told about them.",
)

#: Wakes the requests long-polling an order on this worker when the agent changes it.
watch = OrderWatch()
