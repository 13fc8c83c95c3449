"""The order service's Faust app, the topics its agent consumes, and its orders table."""

from __future__ import annotations

from faust.types import TP

import topics
from apps.order.open_sagas import OpenSagas
from apps.order.watch import OrderWatch
from apps.platform.app import create_app
from apps.platform.broadcast import Broadcast
from apps.platform.listed_table import listed_table
from models.orders import Order, OrderFilter

app = create_app("order", views=["web.orders", "web.saga_page"])

#: Everything the order agent consumes: all keyed by order id.
order_inputs_topic = topics.bind(
    app, topics.ORDER_COMMANDS, *topics.INVENTORY_EVENTS, *topics.PAYMENT_OUTCOMES
)

orders = listed_table(
    app,
    "orders",
    query=OrderFilter,
    key_type=str,
    value_type=Order,
    help="Orders by id, with their status, history and what the saga told about them.",
)

#: Wakes the requests long-polling an order on this worker when the agent changes it.
watch = OrderWatch()

#: Every order the agent writes, as it writes it, for the saga page's live stream.
feed: Broadcast[Order] = Broadcast()

#: The sagas this worker has open: past OMS_MAX_OPEN_SAGAS, new orders are refused.
open_sagas = OpenSagas(app.settings.max_open_sagas)


@app.on_partitions_assigned.connect
async def count_only_owned_sagas(app: object, assigned: set[TP], **kwargs: object) -> None:
    open_sagas.keep_only(tp.partition for tp in assigned)
    # The partitions moved: the live readers reconnect, and follow the workers that now
    # hold them (see web/saga_page.py).
    feed.end_all("rebalance")
