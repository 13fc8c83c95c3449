"""The payment rules: a history of inputs, then what the payment is and what it said."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.payment.core import payments as core
from apps.platform.decision import Decision
from models.actors import Actor
from models.base import ReplyAddress
from models.events import (
    InventoryReserved,
    InventoryStatusUpdated,
    OrderCancelRequested,
    OrderCreated,
    OrderLine,
    PricedLine,
    event_id,
)
from models.payments import (
    ChangePaymentStatus,
    Charge,
    GatewayAnswered,
    Payment,
    Prepay,
    Refund,
    TimeOutPayment,
)
from tests.unit.values import OPERATOR, PROCESSOR

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CALLER = ReplyAddress(topic="replies", correlation_id="c1")


def order_created(order_id: str, token: str | None = "tok_ok") -> OrderCreated:
    return OrderCreated(
        event_id=event_id(order_id, "ORDER.CREATED"),
        order_id=order_id,
        occurred_at=NOW,
        customer_id="c1",
        items=(OrderLine(product_id="a", quantity=1),),
        payment_token=token,
    )


def inventory_reserved(order_id: str, amount: str = "12.50") -> InventoryReserved:
    return InventoryReserved(
        event_id=event_id(order_id, "INVENTORY.RESERVED"),
        order_id=order_id,
        occurred_at=NOW,
        items=(PricedLine(product_id="a", quantity=1, unit_price=Decimal(amount)),),
        amount=Decimal(amount),
    )


def inventory_rejected(order_id: str) -> InventoryStatusUpdated:
    return InventoryStatusUpdated(
        event_id=event_id(order_id, "INVENTORY.STATUS_UPDATE", "REJECTED"),
        order_id=order_id,
        occurred_at=NOW,
        status="REJECTED",
        reason="OUT_OF_STOCK: a",
    )


def prepay(order_id: str, amount: str, token: str | None = None, by: Actor = OPERATOR) -> Prepay:
    """`POST /payments` by `by` (an operator by default; a customer only for its own)."""
    own = by.sub if by.role == "customer" else None
    return Prepay(
        order_id=order_id,
        amount=Decimal(amount),
        payment_token=token,
        requested_by=by,
        customer_id=own,
    )


def change(status: str, reason: str | None = None, by: Actor = OPERATOR) -> ChangePaymentStatus:
    """`PUT /payments/status` for the order o1."""
    return ChangePaymentStatus.model_validate(
        {"order_id": "o1", "status": status, "reason": reason, "requested_by": by}
    )


def cancel_requested(order_id: str) -> OrderCancelRequested:
    return OrderCancelRequested(
        event_id=event_id(order_id, "ORDER.CANCEL_REQUESTED"), order_id=order_id, occurred_at=NOW
    )


@dataclass
class History:
    """One order's payment, fed inputs one by one; what it asked and said is kept."""

    order_id: str = "o1"
    payment: Payment | None = None
    requests: list[Any] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    replies: list[Any] = field(default_factory=list)
    #: The events themselves, in order.
    said: list[Any] = field(default_factory=list)

    def feed(self, message: Any, reply_to: ReplyAddress | None = None) -> Decision[Payment]:
        decision = core.decide(self.payment, message, NOW, reply_to)
        if decision.changed:
            self.payment = decision.state
        self.requests += decision.commands
        self.events += [
            event.type + (f" {event.status}" if hasattr(event, "status") else "")
            for event in decision.events
        ]
        self.replies += [reply for _, reply in decision.replies]
        self.said += decision.events
        return decision

    def created(self, token: str | None = "tok_ok") -> History:
        self.feed(order_created(self.order_id, token))
        return self

    def reserved(self, amount: str = "12.50") -> History:
        self.feed(inventory_reserved(self.order_id, amount))
        return self

    def rejected(self) -> History:
        self.feed(inventory_rejected(self.order_id))
        return self

    def prepay(self, amount: str = "20.00", token: str = "tok_ok") -> History:
        self.feed(prepay(self.order_id, amount, token))
        return self

    def cancel(self) -> History:
        self.feed(cancel_requested(self.order_id))
        return self

    def gateway(self, outcome: str, reason: str | None = None) -> History:
        """The gateway answers the last request."""
        request = self.requests[-1]
        self.feed(
            GatewayAnswered(
                order_id=self.order_id,
                payment_id=request.payment_id,
                request=request.type,
                outcome=outcome,
                reason=reason,
            )
        )
        return self

    @property
    def status(self) -> str:
        assert self.payment is not None
        return self.payment.status

    def charges(self) -> int:
        return sum(isinstance(request, Charge) for request in self.requests)


def test_an_order_and_its_reservation_start_a_charge_of_the_reserved_amount() -> None:
    history = History().created().reserved("12.50")

    (charge,) = history.requests
    assert (charge.type, charge.amount, charge.payment_token) == (
        "Charge",
        Decimal("12.50"),
        "tok_ok",
    )
    assert charge.payment_id == "pay-o1"
    assert history.status == "PENDING"
    assert history.events == []  # the saga waits for the gateway's answer


def test_the_saga_hears_of_a_pending_payment_once_the_gateway_holds_it() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING")

    assert history.status == "PENDING"
    assert history.events == ["PAYMENT.STATUS_UPDATE PENDING"]


def test_a_repeated_hold_says_pending_again_and_charges_once() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING").gateway("PENDING")

    assert history.charges() == 1
    assert history.events == ["PAYMENT.STATUS_UPDATE PENDING"] * 2


def test_a_charge_captured_at_once_goes_straight_to_completed() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    assert history.events == ["PAYMENT.STATUS_UPDATE COMPLETED"]


def test_the_reservation_may_come_before_the_order() -> None:
    history = History().reserved()
    assert history.requests == [] and history.status == "AWAITING"

    history.created("tok_ok")

    assert history.charges() == 1 and history.status == "PENDING"


def test_a_captured_charge_completes_the_payment() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    assert history.status == "COMPLETED"
    assert history.events[-1] == "PAYMENT.STATUS_UPDATE COMPLETED"


def test_a_declined_charge_fails_the_payment_with_the_reason() -> None:
    history = History().created("tok_declined").reserved().gateway("DECLINED", "CARD_DECLINED")

    assert (history.status, history.payment.reason) == ("FAILED", "CARD_DECLINED")
    assert history.events[-1] == "PAYMENT.FAIL"


def test_a_redelivered_reservation_charges_once_and_says_the_same_again() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    history.reserved()

    assert history.charges() == 1
    assert history.events[-2:] == ["PAYMENT.STATUS_UPDATE COMPLETED"] * 2


def test_a_payment_pending_too_long_fails_with_timeout() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING")
    charged_at = history.payment.charged_at

    history.feed(TimeOutPayment(order_id="o1", charged_at=charged_at))

    assert (history.status, history.payment.reason) == ("FAILED", "TIMEOUT")
    assert history.events[-1] == "PAYMENT.FAIL"


def test_a_timeout_of_a_settled_payment_changes_nothing() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    history.feed(TimeOutPayment(order_id="o1", charged_at=history.payment.charged_at))

    assert history.status == "COMPLETED"


def test_a_timeout_for_an_earlier_charge_of_a_payment_still_pending_changes_nothing() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING")
    before = history.payment

    history.feed(TimeOutPayment(order_id="o1", charged_at=NOW - timedelta(hours=1)))

    assert history.status == "PENDING" and history.payment == before


def test_a_cancel_before_any_payment_leaves_a_tombstone__later_ones_charge_nothing() -> None:
    history = History().cancel()
    assert history.status == "CANCELLED" and history.events == ["PAYMENT.FAIL_CANCEL"]

    history.created().reserved()

    assert history.charges() == 0 and history.status == "CANCELLED"
    assert history.events[-1] == "PAYMENT.FAIL_CANCEL"


def test_a_cancel_of_a_pending_payment_cancels_it_and_refunds_a_late_capture() -> None:
    history = History().created().reserved()

    history.cancel()
    history.gateway("CAPTURED")

    assert history.status == "CANCELLED"
    assert history.events[-1] == "PAYMENT.FAIL_CANCEL"
    assert [request.type for request in history.requests] == ["Charge", "Refund"]


def test_a_cancel_after_payment_refunds_once_whatever_is_repeated() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    history.cancel().cancel()
    history.gateway("REFUNDED").gateway("REFUNDED")
    history.cancel()

    assert history.status == "REFUNDED"
    assert [request.type for request in history.requests] == ["Charge", "Refund", "Refund"]
    # Said by the answer, and again by each repeat (the answer's, the cancel's): one fact.
    assert history.events.count("PAYMENT.REFUNDED") == 3
    assert history.payment.refunded


def test_a_cancel_of_a_failed_payment_re_emits_the_failure() -> None:
    history = History().created("tok_declined").reserved().gateway("DECLINED", "CARD_DECLINED")

    history.cancel()

    assert history.status == "FAILED"
    assert history.events[-1] == "PAYMENT.FAIL"


def test_a_prepayment_that_covers_the_reservation_settles_the_saga() -> None:
    history = History()
    history.feed(prepay("o1", "20.00"), CALLER)
    history.gateway("CAPTURED")
    assert history.replies[-1].payment.status == "COMPLETED"
    assert history.events == []  # nothing for the saga until the order is reserved

    history.created().reserved("12.50")

    assert history.charges() == 1
    assert history.events == ["PAYMENT.STATUS_UPDATE COMPLETED"]


def test_a_prepayment_below_the_reserved_amount_fails_the_saga_and_is_refunded() -> None:
    history = History()
    history.feed(prepay("o1", "5.00"), CALLER)
    history.gateway("CAPTURED")

    history.created().reserved("12.50")

    assert (history.status, history.payment.reason) == ("FAILED", "PREPAYMENT_TOO_LOW")
    assert history.events == ["PAYMENT.FAIL"]
    assert history.requests[-1].type == "Refund"


def test_a_second_prepayment_for_an_order_is_refused() -> None:
    history = History()
    history.feed(prepay("o1", "5.00"), CALLER)

    history.feed(prepay("o1", "5.00"), ReplyAddress(topic="replies", correlation_id="c2"))

    assert history.replies[-1].error == "EXISTS" and history.charges() == 1


def test_an_order_inventory_rejects_is_never_charged() -> None:
    history = History().created().rejected()

    history.feed(inventory_rejected("o1"))

    assert history.charges() == 0 and history.status == "AWAITING"
    assert history.events == []  # the order failed on inventory's word: nobody waits


def test_a_captured_prepayment_for_an_order_inventory_rejects_is_refunded() -> None:
    history = History().prepay().gateway("CAPTURED").created()

    history.rejected()
    assert (history.status, history.payment.reason) == ("REFUNDING", "ORDER_REJECTED")
    history.gateway("REFUNDED")

    assert [request.type for request in history.requests] == ["Charge", "Refund"]
    assert history.status == "REFUNDED" and history.events == ["PAYMENT.REFUNDED"]


def test_a_pending_prepayment_of_a_rejected_order_fails_and_is_refunded_if_it_captures() -> None:
    history = History().prepay(token="tok_pending").gateway("PENDING")

    history.rejected()
    assert (history.status, history.payment.reason) == ("FAILED", "ORDER_REJECTED")
    history.gateway("CAPTURED")

    assert [request.type for request in history.requests] == ["Charge", "Refund"]
    assert history.events == ["PAYMENT.FAIL"]


def test_a_prepayment_after_inventory_rejected_the_order_is_refused() -> None:
    history = History().created().rejected()

    history.feed(prepay("o1", "20.00"), CALLER)

    assert history.replies[-1].error == "REJECTED" and history.charges() == 0


def test_a_cancelled_prepaid_order_that_inventory_rejects_hears_its_refund() -> None:
    history = History().prepay().gateway("CAPTURED").created().cancel().gateway("REFUNDED")
    assert history.events == []  # refunded, but the saga does not wait on it yet

    history.rejected()

    assert history.status == "REFUNDED" and history.events == ["PAYMENT.REFUNDED"]
    assert [request.type for request in history.requests] == ["Charge", "Refund"]


def test_the_processor_callback_completes_or_fails_a_pending_payment() -> None:
    completed = History().created("tok_pending").reserved().gateway("PENDING")
    failed = History().created("tok_pending").reserved().gateway("PENDING")

    completed.feed(change("COMPLETED", by=PROCESSOR), CALLER)
    failed.feed(change("FAILED", "FRAUD", by=PROCESSOR), CALLER)

    assert completed.status == "COMPLETED" and completed.replies[-1].payment.status == "COMPLETED"
    assert (failed.status, failed.payment.reason) == ("FAILED", "FRAUD")
    assert failed.events[-1] == "PAYMENT.FAIL"


def test_an_operator_refund_is_answered_once_the_gateway_refunded() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    history.feed(change("REFUNDED"), CALLER)
    assert history.status == "REFUNDING" and history.replies == []
    history.gateway("REFUNDED")

    assert history.replies[-1].payment.status == "REFUNDED"
    assert history.events[-1] == "PAYMENT.REFUNDED"


def test_a_status_change_repeated_answers_the_payment_again_and_says_its_fact_again() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING")
    history.feed(change("COMPLETED"), CALLER)

    again = history.feed(change("COMPLETED"), CALLER)

    assert not again.changed and history.replies[-1].payment.status == "COMPLETED"
    assert history.replies[-1].error is None
    assert history.events[-1] == "PAYMENT.STATUS_UPDATE COMPLETED"


def test_any_other_status_change_is_refused() -> None:
    history = History().created().reserved().gateway("CAPTURED")
    history.feed(change("FAILED"), CALLER)
    assert history.replies[-1].error == "NOT_ALLOWED"
    unknown = History()
    unknown.feed(change("COMPLETED"), CALLER)
    assert unknown.replies[-1].error == "NOT_FOUND"


# -- who asked ------------------------------------------------------------------------

#: The customer of `order_created`, as its token names it; and another customer.
OWNER = Actor(sub="c1", role="customer")
STRANGER = Actor(sub="c2", role="customer")


def test_a_customers_prepayment_of_an_order_not_known_here_is_not_found() -> None:
    history = History().reserved()  # the order's own ORDER.CREATED not heard yet

    for payment in (None, history.payment):
        decision = core.decide(payment, prepay("o1", "20.00", by=OWNER), NOW, CALLER)
        ((_, reply),) = decision.replies
        assert (reply.error, reply.payment) == ("NOT_FOUND", None)
        assert not decision.changed and decision.commands == ()


def test_a_customers_prepayment_of_another_customers_order_is_not_found() -> None:
    history = History().created()

    history.feed(prepay("o1", "20.00", by=STRANGER), CALLER)

    assert history.replies[-1].error == "NOT_FOUND" and history.replies[-1].payment is None
    assert history.charges() == 0 and history.status == "AWAITING"


def test_a_customers_prepayment_of_its_own_known_order_is_charged_and_recorded_as_theirs() -> None:
    history = History().created()

    history.feed(prepay("o1", "20.00", "tok_ok", by=OWNER), CALLER)

    assert history.charges() == 1 and history.status == "PENDING"
    assert history.payment is not None and history.payment.asked_by("PENDING") == OWNER


def test_a_processors_completion_is_recorded_and_its_fact_names_the_processor() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING")

    history.feed(change("COMPLETED", by=PROCESSOR), CALLER)

    assert history.payment is not None and history.payment.asked is not None
    assert (history.payment.asked.status, history.payment.asked.by) == ("COMPLETED", PROCESSOR)
    (completed,) = [event for event in history.said if getattr(event, "status", "") == "COMPLETED"]
    assert completed.requested_by == PROCESSOR


def test_a_processors_failure_names_the_processor_on_its_fact() -> None:
    history = History().created("tok_pending").reserved().gateway("PENDING")

    history.feed(change("FAILED", "FRAUD", by=PROCESSOR), CALLER)

    assert history.said[-1].type == "PAYMENT.FAIL" and history.said[-1].requested_by == PROCESSOR


def test_a_completion_by_the_gateway_names_nobody() -> None:
    history = History().created().reserved().gateway("CAPTURED")

    assert [event.requested_by for event in history.said] == [None]


def test_an_operator_refund_names_the_operator__a_refund_for_a_cancel_names_nobody() -> None:
    asked = History().created().reserved().gateway("CAPTURED")
    cancelled = History().created().reserved().gateway("CAPTURED")

    asked.feed(change("REFUNDED", by=OPERATOR), CALLER)
    asked.gateway("REFUNDED")
    cancelled.cancel().gateway("REFUNDED")

    assert (asked.said[-1].type, asked.said[-1].requested_by) == ("PAYMENT.REFUNDED", OPERATOR)
    assert (cancelled.said[-1].type, cancelled.said[-1].requested_by) == ("PAYMENT.REFUNDED", None)


def test_a_refund_said_again_names_the_operator_again() -> None:
    history = History().created().reserved().gateway("CAPTURED")
    history.feed(change("REFUNDED", by=OPERATOR), CALLER)
    history.gateway("REFUNDED")

    history.feed(change("REFUNDED", by=OPERATOR), CALLER)

    assert [event.requested_by for event in history.said[-2:]] == [OPERATOR, OPERATOR]


# -- any order and repetition of a payment's inputs -------------------------------------

ORDER_ID = "o1"
PAYMENT_ID = f"pay-{ORDER_ID}"
AMOUNT = Decimal("9.00")


def answer(request: str, outcome: str) -> GatewayAnswered:
    return GatewayAnswered(
        order_id=ORDER_ID, payment_id=PAYMENT_ID, request=request, outcome=outcome
    )


INPUTS: dict[str, Any] = {
    "created": order_created(ORDER_ID),
    "reserved": inventory_reserved(ORDER_ID, str(AMOUNT)),
    "cancel": cancel_requested(ORDER_ID),
    "rejected": inventory_rejected(ORDER_ID),
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


def sends(decision: Decision[Any]) -> set[tuple[str, str | None]]:
    """What a decision sends, by type and status (a repeat's times differ)."""
    return {
        (type(message).__name__, getattr(message, "status", None))
        for message in (*decision.commands, *decision.events)
    }


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(sorted(INPUTS)), max_size=14), st.data())
def test_money_moves_only_as_the_saga_allows_whatever_comes(
    names: list[str], repeats: st.DataObject
) -> None:
    payment: Payment | None = None
    charge_asked = captured = refund_asked = cancelled = rejected = False
    for step, name in enumerate(names):
        message = INPUTS[name] or timeout_of(payment)
        answered = isinstance(message, GatewayAnswered)
        if message is None or (answered and not charge_asked):
            continue  # the gateway answers only what it was asked
        if answered and message.request == "Refund" and not refund_asked:
            continue
        now = NOW + timedelta(seconds=step)
        captured |= name == "captured"
        decision = core.decide(payment, message, now)
        for command in decision.commands:
            if isinstance(command, Refund):
                assert captured, f"a refund asked before any capture: {names}"
                assert command.amount == AMOUNT
                refund_asked = True
            if isinstance(command, Charge):
                assert command.amount == AMOUNT and command.payment_id == PAYMENT_ID
                charge_asked = True
        cancelled |= name == "cancel"
        rejected |= name == "rejected"
        payment = decision.state

        if repeats.draw(st.booleans()):  # the same input delivered again at once
            again = core.decide(payment, message, now)
            assert not again.changed and again.state == payment, (name, names)
            # ... as after a failure between the write and the sends: nothing is lost.
            assert sends(again) >= sends(decision), (name, names)

    if payment is not None and captured and (cancelled or rejected or payment.status == "FAILED"):
        assert refund_asked or payment.status in {"REFUNDING", "REFUNDED"}, (payment, names)


def test_a_prepayment_delivered_again_before_the_gateway_answers_is_answered_once() -> None:
    history = History()
    history.feed(prepay("o1", "20.00"), CALLER)
    again = history.feed(prepay("o1", "20.00"), CALLER)  # its worker left the group
    history.gateway("CAPTURED")

    assert (again.changed, again.replies, again.commands) == (False, (), ())
    assert history.charges() == 1
    assert [reply.error for reply in history.replies] == [None]
    assert history.replies[-1].payment.status == "COMPLETED"
