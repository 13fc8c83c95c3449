"""The base of every model: frozen pydantic that rides Faust's JSON serializer."""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    WithJsonSchema,
)

#: An amount as a string: up to ten digits before the point and two after (see `Money`).
_AMOUNT_DIGITS = r"[0-9]{1,10}(\.[0-9]{1,2})?$"
_AMOUNT_MAX = 9_999_999_999.99

#: How a request may write an amount: a number, or a string of digits, two places at most.
MONEY_IN = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": _AMOUNT_MAX, "multipleOf": 0.01},
        {"type": "string", "pattern": "^" + _AMOUNT_DIGITS},
    ]
}
#: ... and one above zero: no number 0, no string of zeros only ("0", "0.00").
POSITIVE_MONEY_IN = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": _AMOUNT_MAX, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^(?!0*(\.0*)?$)" + _AMOUNT_DIGITS},
    ]
}

#: An amount of money: two decimal places, never negative (nor "-0.00": that is 0.00),
#: a string on the wire.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    AfterValidator(abs),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
    WithJsonSchema(MONEY_IN, mode="validation"),
]
#: An amount of money above zero (a prepayment), and a schema that says so.
PositiveMoney = Annotated[
    Money, Field(gt=Decimal(0)), WithJsonSchema(POSITIVE_MONEY_IN, mode="validation")
]


def _no_conversion(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer, not a boolean or a string")
    return value


#: Put after an integer's constraints: `true` or `"2"` is refused, never converted to a
#: number (2.0 is the integer 2, as JSON Schema says).
NOT_CONVERTED = BeforeValidator(_no_conversion)

#: An identifier a client may choose: short, printable, safe in a URL path.
IDENTIFIER = re.compile(r"[A-Za-z0-9._:-]{1,64}")
Identifier = Annotated[str, Field(pattern=f"^{IDENTIFIER.pattern}$")]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """Immutable, strict about unknown fields, and serializable by Faust.

    Faust calls `__json__` (or the `model` codec, `model_dump_json`) to dump a value
    and `from_data` to load one, so a bad payload surfaces as Faust's value-decode
    error. `from_data` is given the record's bytes by the `model` codec and parses them
    in one pass, or a dict by Faust's `json` codec.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    #: The statuses that end this value's story (the shell logs reaching one at info).
    outcome_statuses: ClassVar[frozenset[str]] = frozenset()

    def __json__(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_data(cls, data: Any, *, preferred_type: Any = None) -> Any:
        if isinstance(data, bytes | str):
            return cls.model_validate_json(data)
        return cls.model_validate(data)


Stamped = TypeVar("Stamped", bound=Model)


def updated(value: Stamped, now: datetime, **changes: object) -> Stamped:
    """A copy of the table value `value` with `changes`, updated at `now`."""
    return value.model_copy(update={**changes, "updated_at": now})


class ReplyAddress(Model):
    """Where a REST view waits for the answer to its command (Faust's reply protocol)."""

    topic: str
    correlation_id: str


def wire_type(union: Any, name: str) -> type:
    """A Faust value type that validates a payload into one member of `union`.

    Faust only needs a class with `from_data`; the union's members are told apart
    by their `type` field.
    """
    adapter: TypeAdapter[Any] = TypeAdapter(union)

    def from_data(cls: type, data: Any, *, preferred_type: Any = None) -> Any:
        if isinstance(data, bytes | str):
            return adapter.validate_json(data)
        return adapter.validate_python(data)

    return type(name, (), {"from_data": classmethod(from_data), "__doc__": f"Wire type {name}"})


class Page(Model):
    """Paging of every list: `limit` (1..1000, default 100) and `offset`."""

    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)
    #: Set by one worker asking another for its own items only (see web/kit/listing.py).
    scope: Literal["local"] | None = None

    #: The filter fields that pick a few rows out of many (a customer, say), named as the
    #: rows name them: a list so filtered reads only those rows.
    selective: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def facet_of(value: Any) -> Hashable:
        """What rows are counted by (their status, say): one of few values, never an id."""
        return None

    def wants(self, facet: Any) -> bool:
        """Whether this query keeps rows of `facet`: all of them, unless a filter says."""
        return True

    def matches(self, value: Any) -> bool:
        """Whether a list with this query keeps `value`: its facet, and its selective fields."""
        if not self.wants(self.facet_of(value)):
            return False
        return all(
            getattr(self, field) in (None, getattr(value, field)) for field in self.selective
        )


class Scope(Model):
    """Query of what is merged across a service's workers without paging (a live stream):
    `scope=local`, set by one worker asking another, keeps that worker's own only."""

    scope: Literal["local"] | None = None


T = TypeVar("T")


class Listing(Model, Generic[T]):
    """What every list answers: one page of `items` in the list's order, and the `total`."""

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int
