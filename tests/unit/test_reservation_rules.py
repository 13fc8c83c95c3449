"""The reservation rules with the stock rules, as a history of messages then one look."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.inventory.core import messages, reservations
from models.actors import Actor
from models.base import ReplyAddress
from models.events import (
    OrderLine,
)
from models.reservations import (
    LineGranted,
    LineReleased,
    ReleaseReservation,
    ReservationLine,
    ReserveStock,
)
from tests.unit.saga_world import NOW, World, cancelled, failed, paid, refunded
from tests.unit.values import OPERATOR, a_reservation


def shop(**stock_levels: int) -> World:
    world = World()
    for product_id, level in stock_levels.items():
        world.create_product(product_id, level)
    return world


def levels(world: World, product_id: str) -> tuple[int, int, int]:
    product = world.product(product_id)
    return product.available, product.reserved, product.sold


def test_an_order_whose_lines_are_all_granted_is_reserved_at_catalog_prices() -> None:
    world = shop(a=5, b=5)

    world.order("o1", a=2, b=3)
    world.settle()

    assert world.status("o1") == "RESERVED"
    assert [levels(world, "a"), levels(world, "b")] == [(3, 2, 0), (2, 3, 0)]
    (reserved,) = [event for event in world.events if event.type == "INVENTORY.RESERVED"]
    assert str(reserved.amount) == "12.50"
    assert [(line.product_id, str(line.unit_price)) for line in reserved.items] == [
        ("a", "2.50"),
        ("b", "2.50"),
    ]


def test_an_order_with_a_refused_line_releases_the_granted_ones_and_is_rejected() -> None:
    world = shop(a=5, b=1)

    world.order("o1", a=2, b=3)
    world.settle()

    assert world.status("o1") == "REJECTED"
    assert world.reservations["o1"].reason == "OUT_OF_STOCK: b"
    assert [levels(world, "a"), levels(world, "b")] == [(5, 0, 0), (1, 0, 0)]
    assert world.emitted("o1") == ["INVENTORY.STATUS_UPDATE REJECTED"]


def test_the_rejection_waits_until_the_granted_lines_are_back_on_the_shelf() -> None:
    world = shop(a=5, b=0)
    world.order("o1", a=2, b=1)
    for _ in range(5):  # ORDER.CREATED, two holds, two answers
        world.step(world.busy()[0])

    assert world.status("o1") == "REJECTING"
    assert world.emitted("o1") == []
    world.settle()
    assert world.emitted("o1") == ["INVENTORY.STATUS_UPDATE REJECTED"]


def test_unknown_and_inactive_products_are_refused_with_their_reason() -> None:
    world = shop(a=5)
    world.create_product("retired", 5, active=False)

    world.order("o1", a=1, ghost=1)
    world.order("o2", retired=1)
    world.settle()

    assert world.reservations["o1"].reason == "UNKNOWN_PRODUCT: ghost"
    assert world.reservations["o2"].reason == "PRODUCT_INACTIVE: retired"
    assert levels(world, "a") == (5, 0, 0)


def test_a_redelivered_order_holds_its_stock_once() -> None:
    world = shop(a=5)

    created = world.order("o1", a=2)
    world.send_order(created)
    world.settle()
    world.send_order(created)
    world.settle()

    assert levels(world, "a") == (3, 2, 0)
    assert world.emitted("o1").count("INVENTORY.RESERVED") >= 1
    assert {event.event_id for event in world.events} == {"o1/INVENTORY.RESERVED"}


def test_every_message_delivered_twice_changes_nothing_twice() -> None:
    world = shop(a=5, b=5)
    world.order("o1", a=2, b=1)
    world.send_order(paid("o1"))

    while busy := world.busy():
        world.step(busy[0], again=True)
        world.step(busy[0])
        world.check_stock_is_balanced()

    assert world.status("o1") == "COMMITTED"
    assert [levels(world, "a"), levels(world, "b")] == [(3, 0, 2), (4, 0, 1)]


def test_a_failed_payment_releases_the_held_stock() -> None:
    world = shop(a=5)
    world.order("o1", a=2)
    world.settle()

    world.send_order(failed("o1"))
    world.settle()

    assert world.status("o1") == "RELEASED"
    assert levels(world, "a") == (5, 0, 0)
    assert world.emitted("o1")[-1] == "INVENTORY.STOCK_RELEASED"
    assert world.events[-1].reason == "CARD_DECLINED"


def test_a_completed_payment_commits_the_stock_as_sold() -> None:
    world = shop(a=5)
    world.order("o1", a=2)
    world.settle()

    world.send_order(paid("o1"))
    world.settle()

    assert world.status("o1") == "COMMITTED"
    assert levels(world, "a") == (3, 0, 2)
    assert world.emitted("o1")[-1] == "INVENTORY.STATUS_UPDATE COMMITTED"


def test_a_refund_after_the_commit_puts_the_sold_stock_back() -> None:
    world = shop(a=5)
    world.order("o1", a=2)
    world.send_order(paid("o1"))
    world.settle()

    world.send_order(refunded("o1"))
    world.settle()
    world.send_order(refunded("o1"))
    world.settle()

    assert world.status("o1") == "RELEASED"
    assert levels(world, "a") == (5, 0, 0)
    released = [event for event in world.events if event.type == "INVENTORY.STOCK_RELEASED"]
    assert len(released) == 2  # the repeat re-emits the same fact, with the same id
    assert released[0].event_id == released[1].event_id


def test_a_release_before_the_order_leaves_a_tombstone_and_the_order_holds_nothing() -> None:
    world = shop(a=5)

    world.send_order(cancelled("o1"))
    world.settle()
    assert world.status("o1") == "RELEASED"
    assert world.emitted("o1") == ["INVENTORY.STOCK_RELEASED"]

    world.order("o1", a=2)
    world.settle()

    assert world.status("o1") == "RELEASED"
    assert levels(world, "a") == (5, 0, 0)


def test_a_release_while_lines_are_pending_is_applied_once_decided() -> None:
    world = shop(a=5)
    world.order("o1", a=2)
    world.step(("order", "o1"))  # ORDER.CREATED: the hold is on its way
    world.send_order(cancelled("o1"))
    world.step(("order", "o1"))  # the cancel arrives before the grant

    assert world.reservations["o1"].pending == "release"
    world.settle()

    assert world.status("o1") == "RELEASED"
    assert levels(world, "a") == (5, 0, 0)
    assert "INVENTORY.RESERVED" not in world.emitted("o1")


def test_a_commit_while_lines_are_pending_is_applied_once_reserved() -> None:
    world = shop(a=5)
    world.order("o1", a=2)
    world.step(("order", "o1"))
    world.send_order(paid("o1"))
    world.step(("order", "o1"))

    world.settle()

    assert world.status("o1") == "COMMITTED"
    assert levels(world, "a") == (3, 0, 2)
    assert world.emitted("o1") == ["INVENTORY.RESERVED", "INVENTORY.STATUS_UPDATE COMMITTED"]


def test_a_release_of_a_rejected_order_answers_that_nothing_is_held() -> None:
    world = shop(a=0)
    world.order("o1", a=1)
    world.settle()

    world.send_order(cancelled("o1"))
    world.settle()

    assert world.status("o1") == "REJECTED"
    assert world.emitted("o1")[-1] == "INVENTORY.STOCK_RELEASED"


def test_a_hold_repeated_after_its_release_is_given_back() -> None:
    world = shop(a=5)
    world.order("o1", a=2)
    world.settle()
    hold = messages.hold(world.reservations["o1"], world.reservations["o1"].lines[0], NOW)
    world.send_order(failed("o1"))
    world.settle()

    # The hold published again much later, after the product forgot its command id:
    world.send_stock(hold.model_copy(update={"command_id": "o1/a/hold-again"}))
    world.settle()

    assert levels(world, "a") == (5, 0, 0)


def manual_hold(order_id: str = "m1") -> ReserveStock:
    """`POST /reservations` of two units of product a, by an operator."""
    return ReserveStock(
        order_id=order_id,
        items=(OrderLine(product_id="a", quantity=2),),
        issued_at=NOW,
        requested_by=OPERATOR,
    )


def test_a_manual_hold_is_answered_once_decided_and_released_on_request() -> None:
    caller = ReplyAddress(topic="replies", correlation_id="c1")
    hold = manual_hold()

    opened = reservations.decide(None, hold, NOW, caller)
    granted = reservations.decide(opened.state, granted_line("m1", "a", 2), NOW)
    release = reservations.decide(granted.state, release_of("m1"), NOW, caller)
    released = reservations.decide(release.state, LineReleased(order_id="m1", product_id="a"), NOW)

    assert opened.replies == () and [c.type for c in opened.commands] == ["HoldStock"]
    ((address, reply),) = granted.replies
    assert address == caller and reply.reservation is not None
    assert reply.reservation.status == "RESERVED" and reply.reservation.waiting == ()
    assert granted.events == ()  # a manual hold is not part of any saga
    assert release.replies == () and [c.type for c in release.commands] == ["ReleaseStock"]
    ((_, reply),) = released.replies
    assert reply.reservation is not None and reply.reservation.status == "RELEASED"


def test_a_manual_hold_records_who_placed_it_and_then_who_released_it() -> None:
    releaser = Actor(sub="another-operator", role="operator")
    hold = manual_hold()
    release = ReleaseReservation(order_id="m1", issued_at=NOW, requested_by=releaser)

    opened = reservations.decide(None, hold, NOW)
    granted = reservations.decide(opened.state, granted_line("m1", "a", 2), NOW)
    released = reservations.decide(granted.state, release, NOW)

    assert opened.state is not None and opened.state.updated_by == OPERATOR
    assert granted.state is not None and granted.state.updated_by == OPERATOR
    assert released.state is not None and released.state.updated_by == releaser


def test_a_saga_reservation_names_nobody() -> None:
    world = shop(a=5)

    world.order("o1", a=1)
    world.settle()

    assert world.reservations["o1"].updated_by is None


def release_of(order_id: str) -> ReleaseReservation:
    """`DELETE /reservations/{order_id}` by an operator."""
    return ReleaseReservation(order_id=order_id, issued_at=NOW, requested_by=OPERATOR)


def granted_line(order_id: str, product_id: str, quantity: int) -> LineGranted:
    return LineGranted(
        order_id=order_id, product_id=product_id, quantity=quantity, unit_price=Decimal("2.50")
    )


def test_releasing_a_saga_reservation_on_request_is_refused() -> None:
    world = shop(a=5)
    world.order("o1", a=1)
    world.settle()
    caller = ReplyAddress(topic="replies", correlation_id="c1")

    decision = reservations.decide(world.reservations["o1"], release_of("o1"), NOW, caller)

    ((address, reply),) = decision.replies
    assert address == caller and reply.error == "SAGA_OWNED"
    assert not decision.changed


def test_an_order_under_the_id_of_a_manual_hold_is_rejected_and_leaves_the_hold_alone() -> None:
    world = shop(a=5)
    world.send_order(manual_hold("o1"))
    world.settle()

    world.order("o1", a=1)
    world.settle()
    # What the saga's payment may then say about that order is not about the hold.
    for message in (paid("o1"), failed("o1"), cancelled("o1"), refunded("o1")):
        world.send_order(message)
    world.settle()

    assert world.status("o1") == "RESERVED" and world.reservations["o1"].source == "manual"
    assert levels(world, "a") == (3, 2, 0)
    (rejection,) = {event.event_id: event for event in world.events}.values()
    assert (rejection.type, rejection.status, rejection.reason) == (
        "INVENTORY.STATUS_UPDATE",
        "REJECTED",
        "RESERVATION_EXISTS",
    )


def test_a_saga_reservation_with_an_unpriced_line_is_never_announced_reserved() -> None:
    unpriced = ReservationLine(product_id="p1", quantity=2, status="GRANTED")
    reservation = a_reservation(source="saga", lines=(unpriced,))

    with pytest.raises(messages.UnpricedReservation):
        messages.facts(reservation, NOW)


def test_a_manual_hold_delivered_again_before_it_settles_waits_to_answer_its_caller_once() -> None:
    caller = ReplyAddress(topic="replies", correlation_id="c1")
    hold = manual_hold()

    opened = reservations.decide(None, hold, NOW, caller)
    again = reservations.decide(opened.state, hold, NOW, caller)  # its worker left the group
    granted = reservations.decide(again.state, granted_line("m1", "a", 2), NOW)

    assert (again.changed, again.replies, again.commands) == (False, (), ())
    ((address, reply),) = granted.replies
    assert address == caller and reply.error is None and reply.reservation.status == "RESERVED"


def test_another_caller_holding_an_existing_id_is_told_it_exists() -> None:
    hold = manual_hold()
    opened = reservations.decide(None, hold, NOW, ReplyAddress(topic="r", correlation_id="c1"))
    other = ReplyAddress(topic="r", correlation_id="c2")

    ((address, reply),) = reservations.decide(opened.state, hold, NOW, other).replies
    assert address == other and reply.error == "EXISTS"
