"""Validation of REST bodies and the wire form of commands and table values."""

from __future__ import annotations

import json

import pytest
from faust.utils import json as faust_json
from pydantic import ValidationError

import topics
from models.actors import Actor
from models.base import Page
from models.events import OrderCreated
from models.inventory import (
    AddStock,
    NewProduct,
    Product,
    ProductChanges,
    ProductFilter,
    StockChange,
    StockReply,
)
from models.orders import CancelOrder, Order
from tests.unit.values import CUSTOMER, NOW, OPERATOR, a_product, an_order


def error_fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {".".join(map(str, error["loc"])) for error in exc.value.errors()}


@pytest.mark.parametrize(
    ("price", "rendered"),
    [(19.9, "19.90"), ("19.9", "19.90"), ("19.90", "19.90"), (19, "19.00")],
)
def test_a_price_is_accepted_as_number_or_string_and_rendered_with_two_places(
    price: object, rendered: str
) -> None:
    product = NewProduct(name="Widget", price=price)

    assert product.model_dump(mode="json")["price"] == rendered


@pytest.mark.parametrize("price", [-1, "19.999", "abc", None, True])
def test_a_negative_fractional_or_non_numeric_price_is_refused(price: object) -> None:
    with pytest.raises(ValidationError) as exc:
        NewProduct(name="Widget", price=price)

    assert error_fields(exc) == {"price"}


def test_unknown_fields_are_refused_and_named() -> None:
    with pytest.raises(ValidationError) as exc:
        NewProduct.model_validate({"name": "Widget", "price": 1, "colour": "red"})

    assert error_fields(exc) == {"colour"}


@pytest.mark.parametrize("product_id", ["", "has space", "a/b", "x" * 65])
def test_ids_must_be_short_and_safe_in_a_url(product_id: str) -> None:
    with pytest.raises(ValidationError):
        StockChange(product_id=product_id, quantity=1)


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001, 1.5, "many"])
def test_a_stock_change_needs_a_positive_whole_quantity(quantity: object) -> None:
    with pytest.raises(ValidationError) as exc:
        StockChange(product_id="p1", quantity=quantity)

    assert error_fields(exc) == {"quantity"}


@pytest.mark.parametrize("body", [{}, {"name": None}, {"price": None, "active": None}])
def test_product_changes_must_change_something(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="at least one"):
        ProductChanges.model_validate(body)


def test_paging_has_defaults_and_bounds() -> None:
    assert (Page().limit, Page().offset) == (100, 0)
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        with pytest.raises(ValidationError):
            Page.model_validate(bad)


def test_a_product_filter_reads_booleans_from_query_strings() -> None:
    assert ProductFilter.model_validate({"active": "false", "limit": "5"}).active is False


def test_models_are_immutable() -> None:
    change = StockChange(product_id="p1", quantity=1)

    with pytest.raises(ValidationError):
        change.quantity = 2  # type: ignore[misc]


def test_a_stock_command_survives_the_wire_through_its_topic_type() -> None:
    command = AddStock(
        command_id="c1", product_id="p1", issued_at=NOW, quantity=3, requested_by=OPERATOR
    )

    wire = faust_json.dumps(command)
    loaded = topics.STOCK_COMMANDS.wire().from_data(json.loads(wire))

    assert loaded == command


def test_a_command_with_an_unknown_type_fails_to_load() -> None:
    with pytest.raises(ValueError, match="Explode"):
        topics.STOCK_COMMANDS.wire().from_data({"type": "Explode", "product_id": "p1"})


def test_a_table_value_and_a_reply_survive_the_wire() -> None:
    product = a_product(available=3, initial=3, recent_commands=("c1",))
    reply = StockReply(product=product)

    assert Product.from_data(json.loads(faust_json.dumps(product))) == product
    assert StockReply.from_data(json.loads(faust_json.dumps(reply))) == reply


def test_a_client_sees_the_designed_product_fields_only() -> None:
    product = a_product()

    assert set(product.public()) == {
        "id", "name", "description", "price", "active",
        "available", "reserved", "sold", "created_at", "updated_at",
    }  # fmt: skip
    assert product.public()["price"] == "19.90"


def test_a_command_names_who_asked_and_that_survives_the_wire() -> None:
    cancel = CancelOrder(
        order_id="o-1", issued_at=NOW, requested_by=CUSTOMER, customer_id=CUSTOMER.sub
    )

    loaded = topics.ORDER_COMMANDS.wire().from_data(json.loads(faust_json.dumps(cancel)))

    assert loaded == cancel and loaded.requested_by == CUSTOMER


def test_a_saga_event_names_who_asked__and_one_written_before_it_did_still_loads() -> None:
    created = {
        "type": "ORDER.CREATED",
        "event_id": "o-1:ORDER.CREATED",
        "order_id": "o-1",
        "occurred_at": NOW.isoformat(),
        "customer_id": "c-1",
        "items": [{"product_id": "p1", "quantity": 1}],
    }
    asked = {**created, "requested_by": {"sub": "c-1", "role": "customer"}}

    before = topics.ORDER_CREATED.wire().from_data(created)
    after = topics.ORDER_CREATED.wire().from_data(asked)

    assert (before.requested_by, after.requested_by) == (None, CUSTOMER)
    assert OrderCreated.from_data(json.loads(faust_json.dumps(after))) == after


def test_a_table_value_stored_before_who_asked_was_recorded_still_loads() -> None:
    stored = json.loads(faust_json.dumps(an_order()))
    stored["history"] = [{"status": "PENDING", "at": NOW.isoformat(), "cause": "POST /orders"}]
    product = json.loads(faust_json.dumps(a_product()))
    del product["updated_by"]

    assert Order.from_data(stored).history[0].by is None
    assert Product.from_data(product).updated_by is None


@pytest.mark.parametrize(
    "actor", [{"sub": "", "role": "operator"}, {"sub": "x", "role": "admin"}, {"sub": "x"}]
)
def test_an_actor_needs_a_subject_and_a_known_role(actor: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Actor.model_validate(actor)
