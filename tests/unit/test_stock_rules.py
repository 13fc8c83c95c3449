"""The stock rules, as plain values in and out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.inventory.core import stock as core
from apps.platform.decision import Decision
from models.actors import Actor
from models.base import ReplyAddress
from models.inventory import (
    AddStock,
    AnyStockCommand,
    CommitStock,
    CreateProduct,
    HoldStock,
    Product,
    ProductChanges,
    ReleaseStock,
    RemoveStock,
    StockReply,
    UpdateProduct,
)
from tests.unit.values import OPERATOR

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_ids = iter(range(1_000_000))
_positions = iter(range(1_000_000))


#: The REST view that sent a command and waits for the answer.
CALLER = ReplyAddress(topic="replies", correlation_id="c1")


def handle(product: Product | None, command: AnyStockCommand) -> Decision[Product]:
    """Apply `command` as the next one on the stock topic, sent by a waiting caller."""
    return core.decide(product, command, next(_positions), CALLER)


def reply(decision: Decision[Product]) -> StockReply:
    """What the caller is told: the product, or why not."""
    [(address, answer)] = decision.replies
    assert address == CALLER and isinstance(answer, StockReply)
    return answer


def command_fields(product_id: str = "p1", at: datetime = T0) -> dict[str, object]:
    return {"command_id": f"c{next(_ids)}", "product_id": product_id, "issued_at": at}


def rest_fields(product_id: str = "p1", at: datetime = T0) -> dict[str, object]:
    """The fields of a command a REST view sends: who asked too."""
    return {**command_fields(product_id, at), "requested_by": OPERATOR}


def create(stock: int = 5, **overrides: object) -> CreateProduct:
    fields = {"name": "Widget", "description": "", "price": Decimal("19.90"), "active": True}
    return CreateProduct(**rest_fields(), stock=stock, **{**fields, **overrides})


def created(stock: int = 5) -> Product:
    product = handle(None, create(stock)).state
    assert product is not None
    return product


def balanced(product: Product) -> bool:
    total = product.available + product.reserved + product.sold
    return total == product.initial + product.added - product.removed


def test_creating_a_product_puts_its_stock_on_the_shelf() -> None:
    outcome = handle(None, create(stock=7))

    assert outcome.changed and reply(outcome).error is None
    assert outcome.state is not None
    assert (outcome.state.available, outcome.state.initial) == (7, 7)
    assert outcome.state.created_at == outcome.state.updated_at == T0
    assert balanced(outcome.state)


def test_creating_a_product_twice__the_second_is_refused_as_existing() -> None:
    existing = created()

    outcome = handle(existing, create())

    assert not outcome.changed
    assert reply(outcome).error == "PRODUCT_EXISTS"
    assert outcome.state == existing


def test_adding_stock_raises_available_and_keeps_the_balance() -> None:
    product = handle(created(5), AddStock(**rest_fields(), quantity=3)).state

    assert product is not None
    assert (product.available, product.added) == (8, 3)
    assert balanced(product)


def test_removing_stock_lowers_available_and_keeps_the_balance() -> None:
    product = handle(created(5), RemoveStock(**rest_fields(), quantity=5)).state

    assert product is not None
    assert (product.available, product.removed) == (0, 5)
    assert balanced(product)


def test_removing_more_than_available__is_refused_and_changes_nothing() -> None:
    product = created(5)

    outcome = handle(product, RemoveStock(**rest_fields(), quantity=6))

    assert reply(outcome).error == "INSUFFICIENT_STOCK"
    assert "only 5 available" in (reply(outcome).message or "")
    assert not outcome.changed and outcome.state == product


def test_any_command_but_create__on_an_unknown_product_is_not_found() -> None:
    changes = ProductChanges(price=Decimal(1))
    for command in (
        AddStock(**rest_fields(), quantity=1),
        RemoveStock(**rest_fields(), quantity=1),
        UpdateProduct(**rest_fields(), changes=changes),
    ):
        outcome = handle(None, command)
        assert reply(outcome).error == "PRODUCT_NOT_FOUND"
        assert outcome.state is None and not outcome.changed


def test_updating_a_product_changes_only_the_fields_given() -> None:
    later = T0 + timedelta(minutes=1)
    changes = ProductChanges(price=Decimal("21.00"), active=False)
    command = UpdateProduct(**rest_fields(at=later), changes=changes)

    product = handle(created(), command).state

    assert product is not None
    assert (product.name, product.price, product.active) == ("Widget", Decimal("21.00"), False)
    assert (product.created_at, product.updated_at) == (T0, later)


def test_a_redelivered_command__changes_nothing_the_second_time() -> None:
    add = AddStock(**rest_fields(), quantity=3)
    once = handle(created(5), add)
    assert once.state is not None

    again = handle(once.state, add)

    assert not again.changed and reply(again).error is None
    assert again.state == once.state


def test_a_redelivered_create__answers_the_product_rather_than_a_conflict() -> None:
    command = create()
    product = handle(None, command).state

    outcome = handle(product, command)

    assert reply(outcome).error is None and outcome.state == product


def test_a_product_remembers_only_its_latest_commands() -> None:
    product = created()
    for _ in range(core.REMEMBERED_COMMANDS + 10):
        product = handle(product, AddStock(**rest_fields(), quantity=1)).state
        assert product is not None

    assert len(product.recent_commands) == core.REMEMBERED_COMMANDS
    assert product.available == 5 + core.REMEMBERED_COMMANDS + 10


def test_each_command_sent_by_rest_records_who_last_changed_the_product() -> None:
    other = Actor(sub="another-operator", role="operator")
    by_other = {**rest_fields(), "requested_by": other}
    changes = ProductChanges(price=Decimal("1.00"))

    product = created()
    after = [
        handle(product, command).state
        for command in (
            AddStock(**by_other, quantity=1),
            RemoveStock(**{**by_other, "command_id": "c-remove"}, quantity=1),
            UpdateProduct(**{**by_other, "command_id": "c-update"}, changes=changes),
        )
    ]

    assert product.updated_by == OPERATOR
    assert [changed.updated_by if changed else None for changed in after] == [other] * 3


def test_a_refused_command_leaves_who_last_changed_the_product() -> None:
    product = created(1)
    by_other = {**rest_fields(), "requested_by": Actor(sub="another-operator", role="operator")}

    outcome = handle(product, RemoveStock(**by_other, quantity=2))

    assert not outcome.changed and product.updated_by == OPERATOR


def hold(order_id: str, quantity: int) -> HoldStock:
    return HoldStock(**command_fields(), order_id=order_id, quantity=quantity)


def test_a_hold_moves_units_from_available_to_reserved_and_answers_with_the_price() -> None:
    outcome = handle(created(5), hold("o1", 2))

    assert outcome.state is not None
    assert (outcome.state.available, outcome.state.reserved) == (3, 2)
    assert outcome.state.holds == {"o1": 2}
    assert [(r.type, r.unit_price) for r in outcome.events] == [("LineGranted", Decimal("19.90"))]
    assert balanced(outcome.state)


@pytest.mark.parametrize(
    ("product", "reason"),
    [(None, "UNKNOWN_PRODUCT"), ("inactive", "PRODUCT_INACTIVE"), ("short", "OUT_OF_STOCK")],
)
def test_a_hold_that_cannot_be_met_is_refused_with_its_reason(
    product: str | None, reason: str
) -> None:
    existing = {
        None: None,
        "inactive": created(5).model_copy(update={"active": False}),
        "short": created(1),
    }[product]

    outcome = handle(existing, hold("o1", 2))

    assert not outcome.changed
    assert [(r.type, getattr(r, "reason", None)) for r in outcome.events] == [
        ("LineRefused", reason)
    ]


def test_an_order_holds_a_product_once_whatever_is_redelivered() -> None:
    first = handle(created(5), hold("o1", 2)).state

    again = handle(first, hold("o1", 2))

    assert not again.changed and again.state == first
    assert [r.type for r in again.events] == ["LineGranted"]


def test_releasing_a_hold_puts_it_back_and_a_second_release_changes_nothing() -> None:
    held = handle(created(5), hold("o1", 2)).state
    release = ReleaseStock(**command_fields(), order_id="o1", quantity=2)

    released = handle(held, release).state
    again = handle(released, ReleaseStock(**command_fields(), order_id="o1", quantity=2))

    assert released is not None and (released.available, released.reserved) == (5, 0)
    assert released.holds == {}
    assert not again.changed and [r.type for r in again.events] == ["LineReleased"]


def test_committing_a_hold_sells_it_and_returning_it_puts_it_back() -> None:
    held = handle(created(5), hold("o1", 2)).state
    sold = handle(held, CommitStock(**command_fields(), order_id="o1")).state
    returned = handle(
        sold, ReleaseStock(**command_fields(), order_id="o1", quantity=2, sold=True)
    ).state

    assert sold is not None and (sold.available, sold.reserved, sold.sold) == (3, 0, 2)
    assert returned is not None and (returned.available, returned.sold) == (5, 0)
    assert balanced(sold) and balanced(returned)


def test_a_command_replayed_at_a_position_applied_before_changes_nothing() -> None:
    product = created(5)
    add = AddStock(**rest_fields(), quantity=1)
    once = core.decide(product, add, position=product.position + 1)
    assert once.changed and once.state is not None
    applied = once.state

    # The stock topic read again from an earlier offset: the same position, and an older one.
    for position in (applied.position, product.position):
        replay = add.model_copy(update={"command_id": f"read-again-at-{position}"})
        replayed = core.decide(applied, replay, position=position)
        assert not replayed.changed and replayed.state == applied, position


def test_a_refund_puts_back_no_more_than_was_sold() -> None:
    held = handle(created(5), hold("o1", 2)).state
    sold = handle(held, CommitStock(**command_fields(), order_id="o1")).state
    refund = ReleaseStock(**command_fields(), order_id="o1", quantity=3, sold=True)

    returned = handle(sold, refund).state

    assert returned is not None and (returned.available, returned.sold) == (5, 0)
    assert balanced(returned)
