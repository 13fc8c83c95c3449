"""Payment views: prepayments, status changes, and every payment read-only."""

from __future__ import annotations

from faust.web import Request, Response

from apps.payment.app import app, payments
from models.base import Listing
from models.payments import (
    PROVIDER_STATUSES,
    ChangePaymentStatus,
    NewPayment,
    Payment,
    PaymentFilter,
    PaymentReply,
    Prepay,
    PublicPayment,
    StatusChange,
    order_id_of,
)
from web import access
from web.kit import pages
from web.kit.auth import grant_of
from web.kit.base import ServiceView, path_id
from web.kit.commands import Refusals, answer_in, send_command
from web.kit.errors import Conflict, GatewayTimeout, NotFound
from web.kit.openapi import Operation

pages.register(app, access.TABLE)  # /health, /tables, /docs... and the gate

#: How the payment agent's refusals read over HTTP.
REFUSALS: Refusals = {
    "NOT_FOUND": (NotFound, "NOT_FOUND"),
    "EXISTS": (Conflict, "PAYMENT_EXISTS"),
    "NOT_ALLOWED": (Conflict, "TRANSITION_NOT_ALLOWED"),
    "REJECTED": (Conflict, "ORDER_REJECTED"),
}


async def send(command: Prepay | ChangePaymentStatus) -> Payment:
    """Have the payment agent apply `command`; the payment, or the refusal as an error."""
    reply = await send_command(app, command, PaymentReply, REFUSALS)
    return answer_in(reply.payment, command)


@app.page("/payments")
class Payments(ServiceView):
    @Operation("List payments, newest first", {200: Listing[PublicPayment]}, query=PaymentFilter)
    async def get(self, request: Request) -> Response:
        query = grant_of(request).own_filter(self.query(request, PaymentFilter))
        return await self.listed(request, payments, query, Payment.public)

    @Operation(
        "Prepay an order before its reservation",
        {201: PublicPayment},
        body=NewPayment,
        errors=(NotFound, Conflict, GatewayTimeout),
    )
    async def post(self, request: Request) -> Response:
        body = await self.body(request, NewPayment)
        grant = grant_of(request)
        payment = await send(
            Prepay(
                order_id=body.order_id,
                amount=body.amount,
                payment_token=body.payment_token,
                requested_by=grant.asker,
                customer_id=grant.customer,
            )
        )
        return self.json(
            payment.public(), status=201, headers={"Location": f"/payments/{payment.payment_id}"}
        )


@app.page("/payments/status")
class PaymentStatus(ServiceView):
    @Operation(
        "Complete or fail a pending payment, or refund a completed one",
        {200: PublicPayment},
        body=StatusChange,
        errors=(NotFound, Conflict, GatewayTimeout),
    )
    async def put(self, request: Request) -> Response:
        change = await self.body(request, StatusChange)
        grant = grant_of(request)
        grant.may_set(change.status, PROVIDER_STATUSES)
        command = ChangePaymentStatus(
            order_id=change.target_order,
            status=change.status,
            reason=change.reason,
            requested_by=grant.asker,
        )
        return self.json((await send(command)).public())


@app.page("/payments/{payment_id}")
class PaymentById(ServiceView):
    @Operation("A payment, by its payment id", {200: PublicPayment})
    async def get(self, request: Request, payment_id: str) -> Response:
        order_id = order_id_of(payment_id)
        if order_id is None:
            raise NotFound(f"no payment {payment_id!r}")
        key = path_id(order_id, "payment for order")
        grant = grant_of(request)

        async def answer() -> Response:
            payment = payments.get(key)
            if payment is None or not payment.exists:
                raise NotFound(f"no payment {payment_id!r}")
            grant.visible(payment.customer_id, f"payment {payment_id!r}")
            return self.json(payment.public())

        return await self.routed(request, payments, key, answer)
