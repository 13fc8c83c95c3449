"""Order views: place, follow (long-polling) and cancel orders."""

from __future__ import annotations

import asyncio
import contextlib

from faust.web import Request, Response

from apps.order.app import app, open_sagas, orders, watch
from models.base import Listing, utcnow
from models.hops import Timeline
from models.orders import (
    SETTLED,
    CancelOrder,
    NewOrder,
    Order,
    OrderFilter,
    OrderReply,
    PlaceOrder,
    PublicOrder,
    WaitQuery,
    new_order_id,
    order_id_for_key,
)
from web import access
from web.kit import pages
from web.kit.auth import Grant, grant_of
from web.kit.base import ServiceView, path_id
from web.kit.commands import Refusals, answer_in, new_id, send_command
from web.kit.errors import BadRequest, Conflict, GatewayTimeout, NotFound, Overloaded
from web.kit.openapi import Operation

pages.register(app, access.TABLE)  # /health, /tables, /docs... and the gate

#: How the order agent's refusals read over HTTP.
REFUSALS: Refusals = {
    "NOT_FOUND": (NotFound, "NOT_FOUND"),
    "IDEMPOTENCY_CONFLICT": (Conflict, "IDEMPOTENCY_CONFLICT"),
    "NOT_CANCELLABLE": (Conflict, "NOT_CANCELLABLE"),
}
MAX_KEY_LENGTH = 255
#: The header of `POST /orders`, as the OpenAPI document describes it.
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "The same key and body give the same order; another body under it is 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}


def order_details(reply: OrderReply) -> list[object]:
    """A refusal details the order as it stands, when there is one."""
    return [reply.order.public()] if reply.order is not None else []


async def send(command: PlaceOrder | CancelOrder) -> Order:
    """Have the order agent apply `command`; the order, or its refusal as an error."""
    reply = await send_command(app, command, OrderReply, REFUSALS, details=order_details)
    return answer_in(reply.order, command)


def order_id(request: Request, customer_id: str) -> str:
    """The id of the order a POST places: from its customer and Idempotency-Key, or new."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return new_order_id()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            details=[{"field": "Idempotency-Key", "message": "invalid"}],
        )
    return order_id_for_key(customer_id, key)


@app.page("/orders")
class Orders(ServiceView):
    @Operation("List orders, newest first", {200: Listing[PublicOrder]}, query=OrderFilter)
    async def get(self, request: Request) -> Response:
        query = grant_of(request).own_filter(self.query(request, OrderFilter))
        return await self.listed(request, orders, query, Order.public)

    @Operation(
        "Place an order (status PENDING)",
        {201: PublicOrder},
        body=NewOrder,
        errors=(Conflict, Overloaded, GatewayTimeout),
        headers=(IDEMPOTENCY_KEY,),
    )
    async def post(self, request: Request) -> Response:
        # Before the body is even read: under overload, a refusal must cost next to nothing.
        if open_sagas.full:
            raise Overloaded(f"{open_sagas.bound} orders are in progress here; retry shortly")
        body = await self.body(request, NewOrder)
        grant = grant_of(request)
        grant.acts_for(body.customer_id)
        command = PlaceOrder(
            command_id=new_id(),
            order_id=order_id(request, body.customer_id),
            order=body,
            fingerprint=body.fingerprint(),
            issued_at=utcnow(),
            requested_by=grant.asker,
        )
        order = await send(command)
        return self.json(order.public(), status=201, headers={"Location": f"/orders/{order.id}"})


def visible_order(key: str, grant: Grant) -> Order:
    """The order `key` in this worker's table, if the caller may see it (else 404)."""
    order = orders.get(key)
    if order is None:
        raise NotFound(f"no order {key!r}")
    grant.visible(order.customer_id, f"order {key!r}")
    return order


@app.page("/orders/{order_id}")
class OrderById(ServiceView):
    @Operation("An order; `wait` long-polls until it settles", {200: PublicOrder}, query=WaitQuery)
    async def get(self, request: Request, order_id: str) -> Response:
        wait = self.query(request, WaitQuery).wait
        key = path_id(order_id, "order")
        grant = grant_of(request)

        async def answer() -> Response:
            deadline = asyncio.get_running_loop().time() + wait
            while True:
                order = visible_order(key, grant)
                remaining = deadline - asyncio.get_running_loop().time()
                if order.status in SETTLED or remaining <= 0:
                    return self.json(order.public())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watch.next_change(key).wait(), remaining)

        return await self.routed(request, orders, key, answer)

    @Operation(
        "Cancel an order (status CANCELLING)", {202: PublicOrder}, errors=(Conflict, GatewayTimeout)
    )
    async def delete(self, request: Request, order_id: str) -> Response:
        grant = grant_of(request)
        command = CancelOrder(
            order_id=path_id(order_id, "order"),
            issued_at=utcnow(),
            requested_by=grant.asker,
            customer_id=grant.customer,
        )
        order = await send(command)
        return self.json(order.public(), status=202)


@app.page("/orders/{order_id}/timeline")
class OrderTimeline(ServiceView):
    @Operation(
        "An order's hops: each service that handled one of its records, when the record was"
        " written, when it was handled, how long it waited and how long the handler took",
        {200: Timeline},
    )
    async def get(self, request: Request, order_id: str) -> Response:
        key = path_id(order_id, "order")
        grant = grant_of(request)

        async def answer() -> Response:
            order = visible_order(key, grant)
            return self.json(
                Timeline(order_id=order.id, hops=order.timeline).model_dump(mode="json")
            )

        return await self.routed(request, orders, key, answer)
