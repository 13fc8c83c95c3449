"""Which event a worker is handling, so that what it logs meanwhile can name the event.

`each_event` (see `shell`) sets `handling` around each handler; the JSON log formatter
(see `json_logs`) asks `current()` while it writes a line. The variable holds the event
itself, and the fields are read only when a line is written: handling an event costs
one set and one reset, whatever the log format.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypedDict


class Message(Protocol):
    """Where an event was read: Faust's `Message` has these, and more."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> float: ...
    @property
    def headers(self) -> Any: ...


class Event(Protocol):
    """An event as a stream yields it: Faust's `Event` has these, and more."""

    @property
    def message(self) -> Message: ...
    @property
    def value(self) -> Any: ...


class EventFields(TypedDict):
    """What a log line tells about the event being handled."""

    order_id: str | None
    event: str
    topic: str
    partition: int
    offset: int


# A context variable, not a global: each agent's task (and each task it starts) sees
# only the event it is handling itself, and when it began (epoch seconds).
_handled: ContextVar[tuple[Event, float] | None] = ContextVar("handled_event", default=None)


@contextmanager
def handling(event: Event) -> Iterator[None]:
    """Within the block, `current()` names `event`, and `handled()` says when it began."""
    token = _handled.set((event, time.time()))
    try:
        yield
    finally:
        _handled.reset(token)


def handled() -> tuple[Event, float] | None:
    """The event being handled here and when its handling began, or None outside any handler."""
    return _handled.get()


def current() -> EventFields | None:
    """The fields of the event being handled here, or None outside any handler."""
    handled = _handled.get()
    return None if handled is None else fields_of(handled[0])


def fields_of(event: Event) -> EventFields:
    """The order id and type of the event's value, and where the event was read."""
    message = event.message
    return {
        "order_id": order_id_in(event.value),
        "event": event_type_of(event.value),
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
    }


def order_id_in(value: object) -> str | None:
    """The order a message is about: its `order_id`, if it has one (a stock command has not)."""
    order_id = _field(value, "order_id")
    return order_id if isinstance(order_id, str) and order_id else None


def event_type_of(value: object) -> str:
    """The message's `type` (ORDER.CREATED, PlaceOrder...), else the name of its class."""
    kind = _field(value, "type")
    return kind if isinstance(kind, str) and kind else type(value).__name__


def _field(value: object, name: str) -> object:
    # A model as the agents get it, or a mapping as it came off the wire.
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)
