"""Payments: the table value, the gateway's requests and answers, commands, REST bodies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from models.actors import Actor, Role, caller_unknown
from models.base import Identifier, Model, Money, Page, PositiveMoney, ReplyAddress, Upcaster

#: Statuses a client sees.
PublicStatus = Literal["PENDING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDING", "REFUNDED"]
#: AWAITING is an order known to the payment service, not a payment yet.
PaymentStatus = Literal["AWAITING", PublicStatus]
Token = Annotated[str, Field(min_length=1, max_length=100)]


def payment_id_for(order_id: str) -> str:
    """One payment per order: its id follows from the order's, and keys the gateway."""
    return f"pay-{order_id}"


def order_id_of(payment_id: str) -> str | None:
    return payment_id.removeprefix("pay-") if payment_id.startswith("pay-") else None


class Asked(Model):
    """A status a REST caller asked a payment to take (a prepayment, a processor's
    callback, a refund), and who asked: the event of that status names them."""

    status: Literal["PENDING", "COMPLETED", "FAILED", "REFUNDED"]
    by: Actor


class Payment(Model):
    """An order's payment, keyed by order id.

    AWAITING: the order is known (token and customer from ORDER.CREATED) or reserved
    (amount from INVENTORY.RESERVED), but not both yet, so nothing is charged. A
    payment cancelled before it existed is a CANCELLED tombstone. `captured` records
    money taken at the gateway, which a late cancel or a failure must give back.
    """

    #: Version 2 keeps the order's trace (a field added: read both ways).
    schema_version: ClassVar[int] = 2

    order_id: Identifier
    payment_id: str
    source: Literal["saga", "prepayment"] = "saga"
    status: PaymentStatus = "AWAITING"
    reason: str | None = None
    customer_id: str | None = None
    payment_token: str | None = None
    order_known: bool = False
    #: Whether inventory reserved the order, and so the saga waits for this payment.
    reserved: bool = False
    #: Whether inventory rejected the order: nothing is charged for it any more, and
    #: what a prepayment took is given back.
    rejected: bool = False
    #: The amount inventory reserved (what the saga charges).
    amount: Money | None = None
    #: The amount a prepayment charged.
    prepaid: Money | None = None
    captured: bool = False
    refunded: bool = False
    charged_at: datetime | None = None
    #: Whether the gateway holds the charge for the processor's callback: only then is the
    #: saga told PENDING (a charge captured at once goes straight to COMPLETED).
    on_hold: bool = False
    #: The last status a REST caller asked for, and who.
    asked: Asked | None = None
    created_at: datetime
    updated_at: datetime
    waiting: tuple[ReplyAddress, ...] = ()
    #: The W3C `traceparent` of the order's trace, when traced: a refund or a timeout
    #: goes on in that trace (apps/platform/tracing.py).
    traceparent: str | None = None

    def asked_by(self, status: str) -> Actor | None:
        """Who asked for `status` by REST, if someone did (None: the saga moved it)."""
        return self.asked.by if self.asked is not None and self.asked.status == status else None

    @property
    def charged(self) -> Decimal | None:
        """What the payment charges: the prepaid amount, or the one inventory reserved."""
        return self.prepaid if self.source == "prepayment" else self.amount

    @property
    def answers_saga(self) -> bool:
        """Whether the saga waits for this payment's outcome: its order was reserved, or
        rejected (a prepayment's refund or failure may be what a cancel waits for)."""
        return self.reserved or self.rejected

    @property
    def exists(self) -> bool:
        """Whether this is a payment yet: an AWAITING one is only an order it waits on."""
        return self.status != "AWAITING"

    def public(self) -> dict[str, object]:
        view = self.model_dump(
            mode="json",
            include={"payment_id", "order_id", "status", "reason", "customer_id", "source"}
            | {"created_at", "updated_at"},
        )
        charged = self.charged
        view["amount"] = None if charged is None else f"{charged:.2f}"
        view["id"] = self.payment_id
        return view


class PublicPayment(Model):
    """What a client sees of a payment (`Payment.public()`); `id` is its payment id.

    `amount` is what the payment charges: the reserved amount, or the prepaid one.
    """

    id: str
    payment_id: str
    order_id: Identifier
    source: Literal["saga", "prepayment"]
    status: PublicStatus
    reason: str | None
    customer_id: str | None
    amount: Money | None
    created_at: datetime
    updated_at: datetime


# Gateway requests (to the gateway agent) and answers (back to the payment agent).


class Charge(Model):
    type: Literal["Charge"] = "Charge"
    order_id: Identifier
    payment_id: str
    amount: Money
    payment_token: str | None


class Refund(Model):
    type: Literal["Refund"] = "Refund"
    order_id: Identifier
    payment_id: str
    amount: Money


GatewayRequest = Charge | Refund


class GatewayAnswered(Model):
    """What the gateway said to a charge or a refund."""

    type: Literal["GatewayAnswered"] = "GatewayAnswered"
    order_id: Identifier
    payment_id: str
    request: Literal["Charge", "Refund"]
    outcome: Literal["CAPTURED", "DECLINED", "PENDING", "REFUNDED"]
    reason: str | None = None


# Commands to the payment agent.


class TimeOutPayment(Model):
    """A timer saw the payment PENDING since `charged_at` for longer than the timeout."""

    type: Literal["TimeOutPayment"] = "TimeOutPayment"
    order_id: Identifier
    charged_at: datetime


class Prepay(Model):
    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown("customer")}

    type: Literal["Prepay"] = "Prepay"
    order_id: Identifier
    amount: Money
    payment_token: Token | None = None
    requested_by: Actor
    #: The customer the caller is confined to: it prepays only an order known to be its
    #: own; any other is not found.
    customer_id: Identifier | None = None


def _settler(record: dict[str, Any]) -> Role:
    """The least role that may set a payment's status: a processor settles, an operator refunds."""
    return "operator" if record.get("status") == "REFUNDED" else "processor"


class ChangePaymentStatus(Model):
    """The external processor's callback, or an operator's refund."""

    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown(_settler)}

    type: Literal["ChangePaymentStatus"] = "ChangePaymentStatus"
    order_id: Identifier
    status: Literal["COMPLETED", "FAILED", "REFUNDED"]
    reason: str | None = None
    requested_by: Actor


PaymentCommand = GatewayAnswered | TimeOutPayment | Prepay | ChangePaymentStatus


class PaymentReply(Model):
    #: Version 2: its payment keeps the trace (a field added: read both ways).
    schema_version: ClassVar[int] = 2

    payment: Payment | None = None
    error: Literal["NOT_FOUND", "EXISTS", "NOT_ALLOWED", "REJECTED"] | None = None
    message: str | None = None


# REST bodies.


class NewPayment(Model):
    """Body of `POST /payments`: a prepayment for an order not reserved yet."""

    order_id: Identifier
    amount: PositiveMoney
    payment_token: Token | None = None


#: The statuses a payment provider's callback sets: it settles a pending payment; a
#: refund is an operator's.
PROVIDER_STATUSES: frozenset[str] = frozenset({"COMPLETED", "FAILED"})


class StatusChange(Model):
    """Body of `PUT /payments/status`."""

    # The document says it too: exactly one of payment_id and order_id, not null.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("payment_id", "order_id")
            ]
        }
    )

    payment_id: Annotated[str, Field(pattern=r"^pay-[A-Za-z0-9._:-]{1,64}$")] | None = None
    order_id: Identifier | None = None
    status: Literal["COMPLETED", "FAILED", "REFUNDED"]
    reason: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _names_one_payment(self) -> StatusChange:
        if (self.payment_id is None) == (self.order_id is None):
            raise ValueError("give exactly one of payment_id and order_id")
        if self.payment_id is not None and order_id_of(self.payment_id) is None:
            raise ValueError("payment_id must look like pay-<order id>")
        return self

    @property
    def target_order(self) -> str:
        return self.order_id or order_id_of(self.payment_id or "") or ""


class PaymentFilter(Page):
    status: PublicStatus | None = None
    order_id: Identifier | None = None
    customer_id: Identifier | None = None

    selective: ClassVar[tuple[str, ...]] = ("order_id", "customer_id")

    @staticmethod
    def facet_of(payment: Payment) -> PaymentStatus:
        return payment.status

    def wants(self, status: PaymentStatus) -> bool:
        """Payments only: not an order a payment still waits on (AWAITING)."""
        return status != "AWAITING" and self.status in (None, status)
