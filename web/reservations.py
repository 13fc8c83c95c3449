"""Reservation views: manual all-or-nothing holds, and every reservation read-only."""

from __future__ import annotations

from faust.web import Request, Response

from apps.inventory.app import app, reservations
from models.base import Listing, utcnow
from models.reservations import (
    ListedReservation,
    NewReservation,
    PublicReservation,
    ReleaseReservation,
    Reservation,
    ReservationFilter,
    ReservationReply,
    ReserveStock,
)
from web.kit.auth import grant_of
from web.kit.base import ServiceView, path_id
from web.kit.commands import Refusals, answer_in, send_command
from web.kit.errors import Conflict, GatewayTimeout, NotFound
from web.kit.openapi import Operation

#: How the reservation agent's refusals read over HTTP.
REFUSALS: Refusals = {
    "NOT_FOUND": (NotFound, "NOT_FOUND"),
    "EXISTS": (Conflict, "RESERVATION_EXISTS"),
    "SAGA_OWNED": (Conflict, "SAGA_OWNED"),
}


async def send(command: ReserveStock | ReleaseReservation) -> Reservation:
    """Have the reservation agent settle `command`; the reservation, or why not."""
    reply = await send_command(app, command, ReservationReply, REFUSALS)
    return answer_in(reply.reservation, command)


@app.page("/reservations")
class Reservations(ServiceView):
    @Operation(
        "List reservations, newest first",
        {200: Listing[ListedReservation]},
        query=ReservationFilter,
    )
    async def get(self, request: Request) -> Response:
        query = self.query(request, ReservationFilter)
        return await self.listed(request, reservations, query, Reservation.listed)

    @Operation(
        "Hold stock for an order by hand, all lines or none",
        {201: PublicReservation},
        body=NewReservation,
        errors=(Conflict, GatewayTimeout),
    )
    async def post(self, request: Request) -> Response:
        body = await self.body(request, NewReservation)
        command = ReserveStock(
            order_id=body.order_id,
            items=body.items,
            issued_at=utcnow(),
            requested_by=grant_of(request).asker,
        )
        reservation = await send(command)
        if reservation.status != "RESERVED":
            raise Conflict(
                f"reservation {reservation.order_id!r} refused: {reservation.reason}",
                code=reservation.refusal_code,
                details=[reservation.public()],
            )
        return self.json(
            reservation.public(),
            status=201,
            headers={"Location": f"/reservations/{reservation.order_id}"},
        )


@app.page("/reservations/{order_id}")
class ReservationById(ServiceView):
    @Operation("A reservation, by its order id", {200: PublicReservation})
    async def get(self, request: Request, order_id: str) -> Response:
        async def answer() -> Response:
            reservation = reservations.get(order_id)
            if reservation is None:
                raise NotFound(f"no reservation {order_id!r}")
            return self.json(reservation.public())

        return await self.routed(request, reservations, path_id(order_id, "reservation"), answer)

    @Operation(
        "Release a manual hold (one a saga holds is 409: cancel its order)",
        {200: PublicReservation},
        errors=(Conflict, GatewayTimeout),
    )
    async def delete(self, request: Request, order_id: str) -> Response:
        command = ReleaseReservation(
            order_id=path_id(order_id, "reservation"),
            issued_at=utcnow(),
            requested_by=grant_of(request).asker,
        )
        return self.json((await send(command)).public())
