"""The order rules: a history of events, in any order, then the order's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import permutations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.order import core
from apps.platform.decision import Decision
from models.actors import Actor
from models.base import ReplyAddress
from models.events import (
    InventoryReserved,
    InventoryStatusUpdated,
    OrderLine,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    PricedLine,
    StockReleased,
    event_id,
)
from models.orders import (
    SETTLED,
    CancelOrder,
    NewOrder,
    NudgeOrder,
    Order,
    OrderReply,
    PlaceOrder,
)
from tests.unit.values import OPERATOR, PROCESSOR

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ORDER_ID = "o1"
#: The REST view that sent a command and waits for the answer.
CALLER = ReplyAddress(topic="replies", correlation_id="c1")
BODY = NewOrder(customer_id="c1", items=(OrderLine(product_id="a", quantity=2),))
CANCEL = CancelOrder(order_id=ORDER_ID, issued_at=NOW, requested_by=OPERATOR)


def common(event_type: str, variant: str = "") -> dict[str, Any]:
    return {
        "event_id": event_id(ORDER_ID, event_type, variant),
        "order_id": ORDER_ID,
        "occurred_at": NOW,
    }


RESERVED = InventoryReserved(
    **common("INVENTORY.RESERVED"),
    items=(PricedLine(product_id="a", quantity=2, unit_price=Decimal("5.00")),),
    amount=Decimal("10.00"),
)
REJECTED = InventoryStatusUpdated(
    **common("INVENTORY.STATUS_UPDATE", "REJECTED"), status="REJECTED", reason="OUT_OF_STOCK: a"
)
COMMITTED = InventoryStatusUpdated(
    **common("INVENTORY.STATUS_UPDATE", "COMMITTED"), status="COMMITTED"
)
RELEASED = StockReleased(**common("INVENTORY.STOCK_RELEASED"), reason="CANCELLED")
PAYMENT_PENDING = PaymentStatusUpdated(
    **common("PAYMENT.STATUS_UPDATE", "PENDING"), status="PENDING"
)
PAID = PaymentStatusUpdated(**common("PAYMENT.STATUS_UPDATE", "COMPLETED"), status="COMPLETED")
DECLINED = PaymentFailed(**common("PAYMENT.FAIL"), reason="CARD_DECLINED")
PAYMENT_CANCELLED = PaymentCancelled(**common("PAYMENT.FAIL_CANCEL"))
REFUNDED = PaymentRefunded(**common("PAYMENT.REFUNDED"))


def answer(decision: Decision[Order]) -> OrderReply:
    """The one reply of `decision`, to the caller."""
    [(address, reply)] = decision.replies
    assert address == CALLER and isinstance(reply, OrderReply)
    return reply


def place(command_id: str = "cmd-1", body: NewOrder = BODY) -> PlaceOrder:
    return PlaceOrder(
        command_id=command_id,
        order_id=ORDER_ID,
        order=body,
        fingerprint=body.fingerprint(),
        issued_at=NOW,
        requested_by=OPERATOR,
    )


def placed() -> Order:
    order = core.decide(None, place(), NOW).state
    assert order is not None
    return order


def steps(order: Order | None, messages: tuple[Any, ...]) -> list[Order | None]:
    """The order after each of `messages`."""
    after = []
    for message in messages:
        order, _ = run(order, message)
        after.append(order)
    return after


def run(order: Order | None, *messages: Any) -> tuple[Order | None, list[str]]:
    """Feed `messages` in order; the order after them and the events it emitted."""
    emitted: list[str] = []
    for message in messages:
        decision = core.decide(order, message, NOW)
        if decision.changed:
            order = decision.state
        emitted += [event.type for event in decision.events]
    return order, emitted


def status(order: Order | None) -> str:
    assert order is not None
    return order.status


def test_placing_an_order_stores_it_pending_and_emits_order_created() -> None:
    decision = core.decide(None, place(), NOW, CALLER)

    assert decision.state is not None and decision.state.status == "PENDING"
    assert [event.type for event in decision.events] == ["ORDER.CREATED"]
    assert answer(decision).created
    assert [(c.status, c.cause) for c in decision.state.history] == [("PENDING", "POST /orders")]


def test_the_same_request_again_answers_the_same_order_without_placing_it_twice() -> None:
    order = placed()

    again = core.decide(order, place(command_id="cmd-2"), NOW, CALLER)

    assert not again.changed and again.events == ()
    assert answer(again).order == order and not answer(again).created


def test_a_replay_of_the_placing_command_re_emits_order_created() -> None:
    again = core.decide(placed(), place(command_id="cmd-1"), NOW)

    assert [event.type for event in again.events] == ["ORDER.CREATED"]


def test_the_same_key_with_another_body_is_refused() -> None:
    other = NewOrder(customer_id="c2", items=(OrderLine(product_id="a", quantity=1),))

    decision = core.decide(placed(), place(body=other), NOW, CALLER)

    assert answer(decision).error == "IDEMPOTENCY_CONFLICT"


def test_the_happy_path_records_prices_and_each_status_with_its_cause() -> None:
    order, _ = run(placed(), RESERVED, PAYMENT_PENDING, PAID, COMMITTED)

    assert order is not None and order.status == "CONFIRMED"
    assert (order.amount, order.items[0].unit_price) == (Decimal("10.00"), Decimal("5.00"))
    assert order.payment_status == "COMPLETED"
    assert [(c.status, c.cause) for c in order.history] == [
        ("PENDING", "POST /orders"),
        ("RESERVED", "INVENTORY.RESERVED"),
        ("CONFIRMED", "PAYMENT.STATUS_UPDATE COMPLETED"),
    ]


def test_a_rejected_reservation_fails_the_order_with_its_reason() -> None:
    order, _ = run(placed(), REJECTED)

    assert (status(order), order.reason) == ("FAILED", "OUT_OF_STOCK: a")


def test_a_failed_payment_fails_the_order_with_its_reason() -> None:
    order, _ = run(placed(), RESERVED, DECLINED, RELEASED)

    assert (status(order), order.reason, order.payment_status) == (
        "FAILED",
        "CARD_DECLINED",
        "FAILED",
    )


def test_cancelling_asks_for_compensation_and_finishes_when_stock_and_payment_are_settled() -> None:
    order, emitted = run(placed(), RESERVED, CANCEL)
    assert status(order) == "CANCELLING" and emitted == ["ORDER.CANCEL_REQUESTED"]

    order, emitted = run(order, PAYMENT_CANCELLED)
    assert status(order) == "CANCELLING"
    order, emitted = run(order, RELEASED)

    assert status(order) == "CANCELLED" and emitted == ["ORDER.CANCELLED_CONFIRMED"]


def test_a_cancel_repeated_while_cancelling_is_answered_alike_and_asks_again() -> None:
    order = placed().model_copy(update={"status": "CANCELLING"})

    decision = core.decide(order, CANCEL, NOW, CALLER)

    assert answer(decision).error is None and answer(decision).order == order
    assert [event.type for event in decision.events] == ["ORDER.CANCEL_REQUESTED"]
    assert not decision.changed


@pytest.mark.parametrize("terminal", ["FAILED", "CANCELLED"])
def test_an_order_that_failed_or_was_cancelled_cannot_be_cancelled(terminal: str) -> None:
    order = placed().model_copy(update={"status": terminal})

    decision = core.decide(order, CANCEL, NOW, CALLER)

    assert answer(decision).error == "NOT_CANCELLABLE"
    assert not decision.changed


def test_an_operator_refund_of_a_confirmed_order_cancels_it() -> None:
    order, emitted = run(placed(), RESERVED, PAID, COMMITTED, REFUNDED, RELEASED)

    assert status(order) == "CANCELLED"
    assert emitted == ["ORDER.CANCELLED_CONFIRMED"]
    assert [c.status for c in order.history][-2:] == ["CANCELLING", "CANCELLED"]


def test_every_event_delivered_twice_changes_nothing_twice() -> None:
    once, _ = run(placed(), RESERVED, PAID, COMMITTED)
    twice, emitted = run(once, RESERVED, PAID, COMMITTED)

    assert twice == once and emitted == []


def test_a_later_event_never_brings_an_order_back() -> None:
    failed, _ = run(placed(), REJECTED)

    after, _ = run(failed, RESERVED, PAID, COMMITTED)

    assert status(after) == "FAILED"


# -- who asked ------------------------------------------------------------------------

#: The customer of BODY, as its token names it.
OWNER = Actor(sub="c1", role="customer")
STRANGER = Actor(sub="c2", role="customer")


def cancel_by(actor: Actor) -> CancelOrder:
    """`DELETE /orders/o1` by `actor`, confined to its own orders if it is a customer."""
    own = actor.sub if actor.role == "customer" else None
    return CancelOrder(order_id=ORDER_ID, issued_at=NOW, requested_by=actor, customer_id=own)


def test_placing_records_who_placed_the_order_and_order_created_names_them() -> None:
    decision = core.decide(None, place(), NOW, CALLER)

    assert decision.state is not None and decision.state.history[0].by == OPERATOR
    (created,) = decision.events
    assert created.type == "ORDER.CREATED" and created.requested_by == OPERATOR


def test_a_customers_cancel_of_another_customers_order_is_not_found_and_changes_nothing() -> None:
    order, _ = run(placed(), RESERVED)

    decision = core.decide(order, cancel_by(STRANGER), NOW, CALLER)

    assert answer(decision).error == "NOT_FOUND" and answer(decision).order is None
    assert not decision.changed and decision.events == ()


def test_a_customers_cancel_of_its_own_order_is_recorded_as_theirs() -> None:
    order, _ = run(placed(), RESERVED)

    decision = core.decide(order, cancel_by(OWNER), NOW, CALLER)

    assert decision.state is not None and decision.state.status == "CANCELLING"
    assert decision.state.history[-1].by == OWNER
    (requested,) = decision.events
    assert requested.type == "ORDER.CANCEL_REQUESTED" and requested.requested_by == OWNER


def test_a_cancel_repeated_says_again_who_asked_first() -> None:
    cancelling, _ = run(placed(), cancel_by(OWNER))

    again = core.decide(cancelling, cancel_by(OPERATOR), NOW, CALLER)

    (requested,) = again.events
    assert requested.requested_by == OWNER  # the first request's, as first said


def test_an_operator_refund_is_recorded_as_the_operators_on_the_cancelling_change() -> None:
    refunded = REFUNDED.model_copy(update={"requested_by": OPERATOR})

    order, _ = run(placed(), RESERVED, PAID, COMMITTED, refunded)

    assert order is not None and order.history[-1].status == "CANCELLING"
    assert order.history[-1].by == OPERATOR


def test_a_processors_callback_is_recorded_on_the_change_it_caused() -> None:
    paid = PAID.model_copy(update={"requested_by": PROCESSOR})
    declined = DECLINED.model_copy(update={"requested_by": PROCESSOR})

    confirmed, _ = run(placed(), RESERVED, paid, COMMITTED)
    failed, _ = run(placed(), RESERVED, declined)

    assert confirmed is not None and confirmed.history[-1].status == "CONFIRMED"
    assert failed is not None and failed.history[-1].status == "FAILED"
    assert confirmed.history[-1].by == failed.history[-1].by == PROCESSOR


def test_a_change_the_saga_made_names_nobody() -> None:
    order, _ = run(placed(), RESERVED, PAID, COMMITTED)

    assert order is not None and [change.by for change in order.history[1:]] == [None, None]


# Events from different topics may arrive in any order: every order of each case's
# events ends the same way.
CASES = {
    "happy path": ((RESERVED, PAYMENT_PENDING, PAID, COMMITTED), "CONFIRMED"),
    "out of stock": ((REJECTED,), "FAILED"),
    "payment declined": ((RESERVED, PAYMENT_PENDING, DECLINED, RELEASED), "FAILED"),
    "operator refund": ((RESERVED, PAID, COMMITTED, REFUNDED, RELEASED), "CANCELLED"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_case_ends_the_same_whatever_order_its_events_arrive_in(case: str) -> None:
    events, expected = CASES[case]

    for ordering in permutations(events):
        order, _ = run(placed(), *ordering)
        assert status(order) == expected, ordering


@pytest.mark.parametrize(
    "events",
    [
        (RESERVED, PAYMENT_CANCELLED, RELEASED),  # cancel before payment
        (RESERVED, PAID, COMMITTED, REFUNDED, RELEASED),  # cancel after payment
        (REJECTED, PAYMENT_CANCELLED, RELEASED),  # the cancel raced a rejection
        (PAYMENT_CANCELLED, RELEASED),  # the cancel raced the whole saga
    ],
)
def test_a_cancellation_finishes_whatever_order_its_events_arrive_in(
    events: tuple[Any, ...],
) -> None:
    cancelling, _ = run(placed(), CANCEL)

    for ordering in permutations(events):
        order, emitted = run(cancelling, *ordering)
        assert status(order) == "CANCELLED", ordering
        # Said when it is cancelled, and again by each event after (the same fact).
        said = len(ordering) - [status(o) for o in steps(cancelling, ordering)].index("CANCELLED")
        assert emitted.count("ORDER.CANCELLED_CONFIRMED") == said, ordering


# -- any mix, order and repetition of the saga's messages ------------------------------

CANCELLABLE = {"PENDING", "RESERVED", "CONFIRMED"}
#: The saga's arrows (core.py's diagram); a cancellation may finish in the same step.
ARROWS = (
    {("PENDING", "RESERVED"), ("PENDING", "CONFIRMED"), ("RESERVED", "CONFIRMED")}
    | {(status, "FAILED") for status in ("PENDING", "RESERVED")}
    | {(status, "CANCELLING") for status in CANCELLABLE}
    | {(status, "CANCELLED") for status in CANCELLABLE | {"CANCELLING"}}
)

#: Every message an order may receive, a retried POST among them.
MESSAGES = [
    place("first"),
    place("retried"),
    CANCEL,
    RESERVED,
    REJECTED,
    COMMITTED,
    RELEASED,
    PAYMENT_PENDING,
    PAID,
    DECLINED,
    PAYMENT_CANCELLED,
    REFUNDED,
]


def event_ids(decision: Decision[Any]) -> set[str]:
    return {event.event_id for event in decision.events}


def order_status(order: Order | None) -> str | None:
    return None if order is None else order.status


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(MESSAGES), max_size=14), st.data())
def test_an_order_moves_only_along_the_sagas_arrows_whatever_comes(
    messages: list[Any], repeats: st.DataObject
) -> None:
    order: Order | None = None
    confirmations = 0
    for step, message in enumerate(messages):
        now = NOW + timedelta(seconds=step)
        decision = core.decide(order, message, now)
        after = decision.state
        if order is not None and after is not None and after.status != order.status:
            assert order.status not in {"FAILED", "CANCELLED"}, (order.status, message)
            assert (order.status, after.status) in ARROWS, (order.status, after.status, message)
        # Counted as the step to CANCELLED: a repeat says it again, under the same id.
        if after is not None and after.status == "CANCELLED" and order_status(order) != "CANCELLED":
            confirmations += 1
        order = after

        if repeats.draw(st.booleans()):  # the same message delivered again at once
            again = core.decide(order, message, now)
            assert not again.changed and again.state == order, message
            # ... as after a failure between the write and the sends: nothing is lost.
            assert event_ids(again) >= event_ids(decision), message

    assert confirmations <= 1
    if order is not None:
        assert [change.status for change in order.history][-1] == order.status
        assert (order.status == "CANCELLED") == (confirmations == 1)
        assert order.status in SETTLED | {"PENDING", "RESERVED", "CANCELLING"}


def nudge(order: Order) -> NudgeOrder:
    return NudgeOrder(order_id=order.id, updated_at=order.updated_at)


@pytest.mark.parametrize(
    ("before", "said_again"),
    [((), "ORDER.CREATED"), ((RESERVED,), "ORDER.CREATED"), ((CANCEL,), "ORDER.CANCEL_REQUESTED")],
)
def test_a_nudged_order_says_again_what_it_waits_on_and_changes_nothing(
    before: tuple[Any, ...], said_again: str
) -> None:
    order, _ = run(placed(), *before)
    assert order is not None

    decision = core.decide(order, nudge(order), NOW)

    assert [event.type for event in decision.events] == [said_again]
    assert not decision.changed and decision.state == order


def test_a_nudge_for_an_order_that_moved_since_or_settled_says_nothing() -> None:
    order = placed()
    moved, _ = run(order, RESERVED)
    confirmed, _ = run(order, RESERVED, PAID)
    assert moved is not None and confirmed is not None

    stale = core.decide(
        moved.model_copy(update={"updated_at": NOW + timedelta(1)}), nudge(moved), NOW
    )
    settled = core.decide(confirmed, nudge(confirmed), NOW)
    unknown = core.decide(None, nudge(order), NOW)

    assert stale.events == settled.events == unknown.events == ()
    assert not (stale.changed or settled.changed or unknown.changed)
