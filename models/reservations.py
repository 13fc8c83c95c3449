"""Reservations: the line results, the reservation table value, and its REST bodies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from models.actors import Actor, caller_unknown
from models.base import Identifier, Model, Money, Page, ReplyAddress, Upcaster
from models.events import OrderLine, one_line_per_product

RefusalReason = Literal["OUT_OF_STOCK", "UNKNOWN_PRODUCT", "PRODUCT_INACTIVE"]


# Line results: from the stock agent back to the reservation agent, keyed by order id.


class LineResult(Model):
    order_id: Identifier
    product_id: Identifier


class LineGranted(LineResult):
    type: Literal["LineGranted"] = "LineGranted"
    quantity: int
    unit_price: Money


class LineRefused(LineResult):
    type: Literal["LineRefused"] = "LineRefused"
    reason: RefusalReason
    message: str


class LineReleased(LineResult):
    type: Literal["LineReleased"] = "LineReleased"


class LineCommitted(LineResult):
    type: Literal["LineCommitted"] = "LineCommitted"


AnyLineResult = LineGranted | LineRefused | LineReleased | LineCommitted


# Commands from the REST views, keyed by order id.


class ReserveStock(Model):
    """A manual hold of several lines, all or nothing."""

    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown("operator")}

    type: Literal["ReserveStock"] = "ReserveStock"
    order_id: Identifier
    items: tuple[OrderLine, ...]
    issued_at: datetime
    requested_by: Actor


class ReleaseReservation(Model):
    """Release a manual hold."""

    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown("operator")}

    type: Literal["ReleaseReservation"] = "ReleaseReservation"
    order_id: Identifier
    issued_at: datetime
    requested_by: Actor


# The reservation table value.

#: A line's life: REQUESTED, then GRANTED or REFUSED; a granted line is RELEASING
#: back to the shelf, or COMMITTING to sold; a committed line is RETURNING on refund.
LineStatus = Literal[
    "REQUESTED",
    "GRANTED",
    "REFUSED",
    "RELEASING",
    "RETURNING",
    "RELEASED",
    "COMMITTING",
    "COMMITTED",
]
ReservationStatus = Literal[
    "PENDING",
    "RESERVED",
    "REJECTING",
    "REJECTED",
    "RELEASING",
    "RELEASED",
    "COMMITTING",
    "COMMITTED",
]
#: Statuses in which lines are still being granted, released or committed.
SETTLING: frozenset[str] = frozenset({"PENDING", "REJECTING", "RELEASING", "COMMITTING"})


class ReservationLine(Model):
    product_id: Identifier
    quantity: int
    status: LineStatus = "REQUESTED"
    unit_price: Money | None = None
    #: Why the line was refused.
    reason: str | None = None

    @property
    def keeps_hold(self) -> bool:
        """Whether a grant for this line is the hold it already has (rather than a new one)."""
        return self.status in {"GRANTED", "RELEASING", "COMMITTING"}


class Reservation(Model):
    """One order's hold on stock, keyed by order id.

    A release or commit that arrives while lines are settling waits in `pending`.
    REST requests waiting for the outcome are in `waiting`; they are answered when
    the reservation settles. A release that came before the order leaves a
    tombstone: RELEASED with no lines.
    """

    order_id: Identifier
    source: Literal["saga", "manual"]
    status: ReservationStatus
    lines: tuple[ReservationLine, ...]
    reason: str | None = None
    pending: Literal["release", "commit"] | None = None
    pending_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    waiting: tuple[ReplyAddress, ...] = ()
    #: Who last asked by REST for this manual hold to be placed or released.
    updated_by: Actor | None = None

    def line_for(self, product_id: str) -> ReservationLine | None:
        return next((line for line in self.lines if line.product_id == product_id), None)

    def lines_with(self, changed: ReservationLine) -> tuple[ReservationLine, ...]:
        """The lines, with `changed` in place of the line for its product."""
        return tuple(
            changed if line.product_id == changed.product_id else line for line in self.lines
        )

    @property
    def settling(self) -> bool:
        return self.status in SETTLING or self.pending is not None

    @property
    def amount(self) -> Decimal | None:
        """What the lines cost at their reserved prices, once every line has a price."""
        total = Decimal(0)
        for line in self.lines:
            if line.unit_price is None:
                return None
            total += line.unit_price * line.quantity
        return total if self.lines else None

    @property
    def refusal_code(self) -> str:
        """Why a hold did not end RESERVED: its first refused line's reason, else its own."""
        refused = (line.reason for line in self.lines if line.status == "REFUSED" and line.reason)
        return next(refused, None) or self.reason or self.status

    def public(self) -> dict[str, object]:
        """What a client sees of a reservation."""
        view = self.model_dump(
            mode="json",
            include={"order_id", "source", "status", "reason", "created_at", "updated_at"},
        )
        view["items"] = [line.model_dump(mode="json", exclude={"reason"}) for line in self.lines]
        amount = self.amount
        view["amount"] = None if amount is None else f"{amount:.2f}"
        return view

    def listed(self) -> dict[str, object]:
        """What a client sees of a reservation in a list: also its order id as `id`."""
        return {**self.public(), "id": self.order_id}  # lists sort by id


class ReservedLine(Model):
    """A line as a client sees it."""

    product_id: Identifier
    quantity: int
    status: LineStatus
    unit_price: Money | None


class PublicReservation(Model):
    """What a client sees of a reservation (`Reservation.public()`).

    `amount` is what the lines cost at their reserved prices, once all have one.
    """

    order_id: Identifier
    source: Literal["saga", "manual"]
    status: ReservationStatus
    reason: str | None
    items: tuple[ReservedLine, ...]
    amount: Money | None
    created_at: datetime
    updated_at: datetime


class ListedReservation(PublicReservation):
    """A reservation in a list: also named by its order id as `id`, by which lists sort."""

    id: Identifier


class ReservationReply(Model):
    """What the reservation agent answers a REST command: the reservation, or why not."""

    reservation: Reservation | None = None
    error: Literal["NOT_FOUND", "EXISTS", "SAGA_OWNED"] | None = None
    message: str | None = None


# REST bodies.


class NewReservation(Model):
    """Body of `POST /reservations`: one line per product.

    A body that names a product in two lines is refused (400): give its whole quantity
    in one line.
    """

    order_id: Identifier
    items: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=100)]

    _one_line_per_product = model_validator(mode="after")(one_line_per_product)


class ReservationFilter(Page):
    """Query of `GET /reservations`."""

    status: ReservationStatus | None = None

    @staticmethod
    def facet_of(reservation: Reservation) -> ReservationStatus:
        return reservation.status

    def wants(self, status: ReservationStatus) -> bool:
        return self.status in (None, status)
