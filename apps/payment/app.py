"""The payment service's Faust app, the topics its agents consume, its table and gateway."""

from __future__ import annotations

import topics
from apps.payment.gateway import Gateway, SimulatedGateway
from apps.platform.app import create_app
from apps.platform.listed_table import listed_table
from models.payments import Payment, PaymentFilter

app = create_app("payment", views=["web.payments"])

gateway_requests_topic = topics.GATEWAY_REQUESTS.bind(app)
#: Everything the payment agent consumes: all keyed by order id.
payment_inputs_topic = topics.bind(
    app,
    topics.ORDER_CREATED,
    topics.INVENTORY_RESERVED,
    topics.INVENTORY_STATUS_UPDATE,
    topics.ORDER_CANCEL_REQUESTED,
    topics.PAYMENT_COMMANDS,
)

payments = listed_table(
    app,
    "payments",
    query=PaymentFilter,
    key_type=str,
    value_type=Payment,
    help="Payments by order id: one per order, from the order's token to money.",
)

gateway: Gateway = SimulatedGateway(limit=app.settings.payment_limit)
