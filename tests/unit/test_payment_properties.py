"""Whatever the order and repetition of a payment's inputs (the saga's events, the
gateway's answers, timeouts), money is only refunded once captured, captured money of a
cancelled or failed payment is always refunded, and a repeated input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.payment.core import payments
from models.events import (
    InventoryReserved,
    OrderCancelRequested,
    OrderCreated,
    OrderLine,
    PricedLine,
    event_id,
)
from models.payments import Charge, GatewayAnswered, Payment, Refund, TimeOutPayment

ORDER_ID = "o-1"
PAYMENT_ID = f"pay-{ORDER_ID}"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
AMOUNT = Decimal("9.00")


def event(event_type: type, **fields: Any) -> Any:
    kind = event_type.model_fields["type"].default
    return event_type(
        event_id=event_id(ORDER_ID, kind), order_id=ORDER_ID, occurred_at=NOW, **fields
    )


def answer(request: str, outcome: str) -> GatewayAnswered:
    return GatewayAnswered(
        order_id=ORDER_ID, payment_id=PAYMENT_ID, request=request, outcome=outcome
    )


INPUTS: dict[str, Any] = {
    "created": event(
        OrderCreated,
        customer_id="c-1",
        items=(OrderLine(product_id="p-1", quantity=2),),
        payment_token="tok_ok",
    ),
    "reserved": event(
        InventoryReserved,
        items=(PricedLine(product_id="p-1", quantity=2, unit_price=Decimal("4.50")),),
        amount=AMOUNT,
    ),
    "cancel": event(OrderCancelRequested),
    "captured": answer("Charge", "CAPTURED"),
    "declined": answer("Charge", "DECLINED"),
    "pending": answer("Charge", "PENDING"),
    "refunded": answer("Refund", "REFUNDED"),
    "timeout": None,  # made from the payment's own charge time, as the timer does
}


def timeout_of(payment: Payment | None) -> TimeOutPayment | None:
    if payment is None or payment.charged_at is None:
        return None
    return TimeOutPayment(order_id=ORDER_ID, charged_at=payment.charged_at)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(sorted(INPUTS)), max_size=14), st.data())
def test_money_moves_only_as_the_saga_allows_whatever_comes(
    names: list[str], repeats: st.DataObject
) -> None:
    payment: Payment | None = None
    charge_asked = captured = refund_asked = cancelled = False
    for step, name in enumerate(names):
        message = INPUTS[name] or timeout_of(payment)
        answered = isinstance(message, GatewayAnswered)
        if message is None or (answered and not charge_asked):
            continue  # the gateway answers only what it was asked
        if answered and message.request == "Refund" and not refund_asked:
            continue
        now = NOW + timedelta(seconds=step)
        captured |= name == "captured"
        decision = payments.decide(payment, message, now)
        for command in decision.commands:
            if isinstance(command, Refund):
                assert captured, f"a refund asked before any capture: {names}"
                assert command.amount == AMOUNT
                refund_asked = True
            if isinstance(command, Charge):
                assert command.amount == AMOUNT and command.payment_id == PAYMENT_ID
                charge_asked = True
        cancelled |= name == "cancel"
        payment = decision.state

        if repeats.draw(st.booleans()):  # the same input delivered again at once
            again = payments.decide(payment, message, now)
            assert not again.changed and again.state == payment, (name, names)

    if payment is not None and captured and (cancelled or payment.status == "FAILED"):
        assert refund_asked or payment.status in {"REFUNDING", "REFUNDED"}, (payment, names)
