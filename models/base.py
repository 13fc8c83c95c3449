"""The base of every model: frozen pydantic that rides Faust's JSON serializer."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Hashable, Mapping
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


#: Turns a record of one version (a dict of JSON) into the next version's shape.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """Immutable, strict about unknown fields in a request, tolerant of them in a record.

    A REST body is validated as the class says (`extra="forbid"`: an unknown field is a
    client's mistake). A record read from a topic or a changelog ignores the fields it
    does not know: a newer writer may have added them (models/versions.py).

    Faust calls `__json__` (or the `model` codec, `model_dump_json`) to dump a value
    and `from_data` to load one, so a bad payload surfaces as Faust's value-decode
    error. `from_data` is given the record's bytes by the `model` codec and parses them
    in one pass, or a dict by Faust's `json` codec.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    #: The statuses that end this value's story (the shell logs reaching one at info).
    outcome_statuses: ClassVar[frozenset[str]] = frozenset()
    #: The version of this record's schema: raised by a change that breaks the rule of
    #: docs/evolution.md, with an upcaster from the version before.
    schema_version: ClassVar[int] = 1
    #: By version: the function that turns a record of that version into the next one's
    #: shape (a dict of JSON in, one out).
    upcasters: ClassVar[Mapping[int, Upcaster]] = {}

    def __json__(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_data(cls, data: Any, *, preferred_type: Any = None) -> Any:
        if isinstance(data, bytes | str):
            return cls.model_validate_json(data, extra="ignore")
        return cls.model_validate(data, extra="ignore")


Stamped = TypeVar("Stamped", bound=Model)


def updated(value: Stamped, now: datetime, **changes: object) -> Stamped:
    """A copy of the table value `value` with `changes`, updated at `now`."""
    return value.model_copy(update={**changes, "updated_at": now})


class ReplyAddress(Model):
    """Where a REST view waits for the answer to its command (Faust's reply protocol)."""

    topic: str
    correlation_id: str


def members_of(annotation: Any) -> tuple[type, ...]:
    """The classes of a union (possibly `Annotated`), or the one class."""
    if typing.get_origin(annotation) is typing.Annotated:
        return members_of(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(m for arg in typing.get_args(annotation) for m in members_of(arg))
    return (annotation,)


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


class KeyPage(Page):
    """Paging of a table's entries, by key: `after` a key (the last of the page before),
    a walk reads each page alone, however far it goes; `offset` counts from there."""

    after: str | None = Field(None, min_length=1, max_length=200)


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
