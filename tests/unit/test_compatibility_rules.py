"""The rule of docs/evolution.md, one case each: which changes of a record's schema its
records survive, read by the release after (backward) and the release before (forward)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, create_model

from models.compatibility import Problem, Verdict, compare, unreadable
from models.orders import PlaceOrder


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


def verdict(before: type[BaseModel], after: type[BaseModel]) -> Verdict:
    return compare(before.model_json_schema(), after.model_json_schema())


def found(problems: tuple[Problem, ...] | list[Problem]) -> list[tuple[str, str]]:
    return [(problem.path, problem.kind) for problem in problems]


class Node(Record):
    name: str
    children: tuple[Node, ...] = ()


class NamedNode(Record):
    name: str
    label: str
    children: tuple[NamedNode, ...] = ()


def test_identical_schemas_read_both_ways() -> None:
    class Before(Record):
        x: int
        tags: tuple[str, ...] = ()

    assert verdict(Before, Before).full


def test_a_field_added_with_a_default_reads_both_ways() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: int
        note: str = ""

    assert verdict(Before, After).full


def test_a_required_field_added_cannot_be_read_from_old_records() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: int
        note: str

    result = verdict(Before, After)

    assert found(result.backward) == [("note", "required_added")]
    assert str(result.backward[0]) == (
        "note: required by the reader but absent from records written before"
    )
    assert result.forward == ()


def test_a_field_removed_with_a_default_is_never_compatible() -> None:
    class Before(Record):
        x: int
        note: str = ""

    class After(Record):
        x: int

    result = verdict(Before, After)

    assert not result.full
    assert found(result.backward) == [("note", "removed")]
    assert result.forward == ()


def test_a_required_field_removed_is_also_unreadable_by_an_old_reader_that_requires_it() -> None:
    class Before(Record):
        x: int
        note: str

    class After(Record):
        x: int

    result = verdict(Before, After)

    assert found(result.backward) == [("note", "removed")]
    assert found(result.forward) == [("note", "removed")]
    assert "records written now" in result.forward[0].why


def test_a_renamed_field_is_removed_and_required_added() -> None:
    class Before(Record):
        note: str

    class After(Record):
        remark: str

    result = verdict(Before, After)

    assert sorted(found(result.backward)) == [("note", "removed"), ("remark", "required_added")]
    assert found(result.forward) == [("note", "removed")]


def test_a_type_changed_from_integer_to_string_is_unreadable_both_ways() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: str

    result = verdict(Before, After)

    assert [str(p) for p in result.backward] == ["x: type changed from integer to string"]
    assert [str(p) for p in result.forward] == ["x: type changed from integer to string"]
    assert found(result.backward) == found(result.forward) == [("x", "type_changed")]


def test_an_integer_widened_to_a_number_reads_old_records_but_not_new_ones() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: float

    result = verdict(Before, After)

    assert result.backward == ()
    assert [str(p) for p in result.forward] == ["x: type changed from integer to number"]


def test_an_optional_field_made_required_refuses_old_records_holding_null() -> None:
    class Before(Record):
        x: int | None = None

    class After(Record):
        x: int

    result = verdict(Before, After)

    assert found(result.backward) == [("x", "type_changed")]
    assert "records written before may hold null" in result.backward[0].why
    assert result.forward == ()


def test_a_field_made_nullable_is_unreadable_by_an_old_reader() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: int | None = None

    result = verdict(Before, After)

    assert result.backward == ()
    assert [str(p) for p in result.forward] == [
        "x: may now be null, which the reader does not accept"
    ]


def test_a_member_added_to_a_plain_union_is_unreadable_by_an_old_reader_only() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: int | str

    result = verdict(Before, After)

    assert result.backward == ()
    assert [str(p) for p in result.forward] == ["x: type changed from integer to string"]


def test_a_new_literal_value_is_unknown_to_an_old_reader() -> None:
    class Before(Record):
        status: Literal["open", "closed"]

    class After(Record):
        status: Literal["open", "closed", "held"]

    result = verdict(Before, After)

    assert result.backward == ()
    assert found(result.forward) == [("status", "enum_added")]
    assert str(result.forward[0]) == "status: a new value 'held' the reader does not know"


def test_a_removed_literal_value_is_refused_in_old_records() -> None:
    class Before(Record):
        status: Literal["open", "closed", "held"]

    class After(Record):
        status: Literal["open", "closed"]

    result = verdict(Before, After)

    assert found(result.backward) == [("status", "narrowed")]
    assert "'held'" in result.backward[0].why
    assert result.forward == ()


def test_a_tightened_max_length_refuses_old_records() -> None:
    class Before(Record):
        name: str = Field(max_length=20)

    class After(Record):
        name: str = Field(max_length=10)

    result = verdict(Before, After)

    assert [str(p) for p in result.backward] == ["name: narrowed: maxLength 10 < 20"]
    assert found(result.backward) == [("name", "narrowed")]
    assert result.forward == ()


def test_a_loosened_max_length_is_unreadable_by_an_old_reader() -> None:
    class Before(Record):
        name: str = Field(max_length=10)

    class After(Record):
        name: str = Field(max_length=20)

    result = verdict(Before, After)

    assert result.backward == ()
    assert found(result.forward) == [("name", "narrowed")]
    assert str(result.forward[0]) == "name: widened: maxLength 20 > 10, the reader's"


def test_a_bound_added_where_there_was_none_refuses_old_records() -> None:
    class Before(Record):
        quantity: int

    class After(Record):
        quantity: int = Field(ge=1)

    result = verdict(Before, After)

    assert [str(p) for p in result.backward] == ["quantity: narrowed: minimum 1, none before"]
    assert result.forward == ()


def test_an_exclusive_bound_is_weighed_against_an_inclusive_one() -> None:
    class Before(Record):
        price: float = Field(ge=1)

    class After(Record):
        price: float = Field(gt=0)

    result = verdict(Before, After)

    # Every price of at least 1 is above 0; a price above 0 may be below 1.
    assert result.backward == ()
    assert found(result.forward) == [("price", "narrowed")]


def test_a_pattern_added_refuses_old_records() -> None:
    class Before(Record):
        code: str

    class After(Record):
        code: str = Field(pattern="^[A-Z]+$")

    result = verdict(Before, After)

    assert [str(p) for p in result.backward] == ["code: narrowed: pattern '^[A-Z]+$', none before"]
    assert result.forward == ()


def test_a_required_field_added_to_a_nested_model_is_found_at_its_dotted_path() -> None:
    class Order(Record):
        total: int

    class OrderV2(Record):
        total: int
        customer_id: str

    class Before(Record):
        order: Order

    class After(Record):
        order: OrderV2

    result = verdict(Before, After)

    assert found(result.backward) == [("order.customer_id", "required_added")]
    assert result.forward == ()


def test_a_required_field_added_to_models_in_a_tuple_is_found_at_its_items_path() -> None:
    class Line(Record):
        product_id: str

    class LineV2(Record):
        product_id: str
        quantity: int

    class Before(Record):
        items: tuple[Line, ...]

    class After(Record):
        items: tuple[LineV2, ...]

    result = verdict(Before, After)

    assert found(result.backward) == [("items[].quantity", "required_added")]
    assert result.forward == ()


def test_a_dict_whose_values_change_type_is_found_at_its_values() -> None:
    class Before(Record):
        stock: dict[str, int]

    class After(Record):
        stock: dict[str, str]

    result = verdict(Before, After)

    assert found(result.backward) == found(result.forward) == [("stock{}", "type_changed")]


def test_a_tuple_position_that_changes_type_is_found_at_its_index() -> None:
    class Before(Record):
        pair: tuple[str, int]

    class After(Record):
        pair: tuple[str, str]

    result = verdict(Before, After)

    assert found(result.backward) == found(result.forward) == [("pair[1]", "type_changed")]


class Cat(Record):
    type: Literal["cat"] = "cat"
    indoor: bool


class Dog(Record):
    type: Literal["dog"] = "dog"
    breed: str


class Bird(Record):
    type: Literal["bird"] = "bird"
    wingspan: float


def test_a_discriminated_union_gaining_a_member_is_unknown_to_an_old_reader() -> None:
    class Before(Record):
        pet: Annotated[Cat | Dog, Field(discriminator="type")]

    class After(Record):
        pet: Annotated[Cat | Dog | Bird, Field(discriminator="type")]

    result = verdict(Before, After)

    assert result.backward == ()
    assert [str(p) for p in result.forward] == [
        "pet.type: a new value 'bird' the reader does not know"
    ]
    assert found(result.forward) == [("pet.type", "enum_added")]


def test_a_discriminated_union_member_that_changes_is_compared_with_its_own_member() -> None:
    class DogV2(Record):
        type: Literal["dog"] = "dog"
        breed: str
        chipped: bool

    class Before(Record):
        pet: Annotated[Cat | Dog, Field(discriminator="type")]

    class After(Record):
        pet: Annotated[Cat | DogV2, Field(discriminator="type")]

    result = verdict(Before, After)

    assert found(result.backward) == [("pet.chipped", "required_added")]
    assert result.forward == ()


def test_a_recursive_model_compares_without_endless_recursion() -> None:
    assert verdict(Node, Node).full

    result = verdict(Node, NamedNode)

    assert found(result.backward) == [("label", "required_added")]
    assert result.forward == ()


def test_titles_descriptions_and_defaults_do_not_matter() -> None:
    class Before(Record):
        """One way to say it."""

        x: int = Field(0, title="X", description="a number")

    class After(Record):
        """Another."""

        x: int = Field(5, title="The x", description="the number", examples=[1])

    assert verdict(Before, After).full


def test_a_model_that_forbids_extra_fields_reads_like_one_that_ignores_them() -> None:
    class Before(Record):
        x: int

    class After(BaseModel):
        model_config = ConfigDict(extra="ignore")

        x: int

    assert verdict(Before, After).full


def test_another_keyword_that_differs_is_a_change_both_ways() -> None:
    class Before(Record):
        tags: tuple[str, ...]

    class After(Record):
        tags: frozenset[str]

    result = verdict(Before, After)

    assert found(result.backward) == found(result.forward) == [("tags", "changed")]
    assert "uniqueItems" in result.backward[0].why


def test_unreadable_cannot_tell_added_from_removed_without_knowing_which_is_newer() -> None:
    fewer: dict[str, Any] = {"type": "object", "properties": {}}
    more: dict[str, Any] = {"type": "object", "properties": {"x": {"type": "integer"}}}

    assert unreadable(fewer, more, reader_is_newer=False) == []
    assert found(unreadable(fewer, more, reader_is_newer=True)) == [("x", "removed")]


def test_explain_names_the_record_the_field_the_direction_and_the_advice() -> None:
    class Before(Record):
        x: int

    class After(Record):
        x: int
        note: str

    message = verdict(Before, After).explain("Shipment")

    assert "Shipment" in message
    assert "A reader of this release cannot read records written by the last" in message
    assert "note: required by the reader but absent from records written before" in message
    assert "give it a default, or raise the record's version and add an upcaster" in message
    assert "The last release cannot read" not in message
    assert message.endswith("See docs/evolution.md.")


@pytest.mark.parametrize(
    ("before", "after", "advice"),
    [
        ({"note": (str, "")}, {}, "to rename, add the new field beside the old one (expand)"),
        ({"x": (int, ...)}, {"x": (str, ...)}, "add a new field of the new type beside"),
        (
            {"s": (Literal["a"], ...)},
            {"s": (Literal["a", "b"], ...)},
            "a new value is safe only where every reader handles one it does not know",
        ),
    ],
)
def test_explain_gives_the_advice_of_the_kind_of_problem(
    before: dict[str, Any], after: dict[str, Any], advice: str
) -> None:
    message = verdict(
        create_model("Before", __base__=Record, **before),
        create_model("After", __base__=Record, **after),
    ).explain("Thing")

    assert advice in message


def test_place_order_version_2_requires_the_requested_by_that_version_1_may_lack() -> None:
    v2 = PlaceOrder.model_json_schema()
    v1 = {**v2, "required": [name for name in v2["required"] if name != "requested_by"]}

    result = compare(v1, v2)

    assert found(result.backward) == [("requested_by", "required_added")]
    assert result.forward == ()
    assert compare(v2, v2).full
