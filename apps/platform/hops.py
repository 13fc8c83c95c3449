"""The hops that led to a record, carried in its `oms-hops` header, and kept with the order.

A hop is a service handling a record: when the record was written (its Kafka timestamp),
when the handling began, and how long it took until the service wrote what followed.
Each record a worker sends while handling another carries the hops of the record handled
and this one, so the last record of a chain carries the whole path that led to it: the
order's own steps, inventory's lines, payment's gateway round trip. The order service
keeps every hop that reaches it as the order's timeline (`Order.timeline`): the answer
to "why did this order take 400 ms?", with no tracing backend (see docs/tracing.md).

The header is JSON, `[[service, record, written_ms, handled_ms, took_ms], ...]`; a
header that does not read is ignored, never a refusal. What a record costs here: one
hop's JSON joined to the header as it came, per record sent while handling; the order
service alone reads the chain, when it writes an order.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, TypeVar

from apps.platform import event_context
from apps.platform.record_schema import header_value
from models.base import Model
from models.hops import Hop

HEADER = "oms-hops"
#: At most this many hops ride on a record, and an order keeps at most this many: a chain
#: that goes round (a nudge, a redelivery) keeps its newest.
MAX_HOPS = 32
#: A header longer than this is parsed and cut to MAX_HOPS on the next send (a hop is
#: about 60 bytes).
MAX_HEADER_BYTES = 4096

M = TypeVar("M", bound=Model)

Row = tuple[str, str, int, int, int]


def carried(headers: Any) -> list[Row]:
    """The hops a record's headers carry (none if the header is missing or unreadable)."""
    raw = header_value(headers, HEADER)
    if not raw:
        return []
    try:
        rows = json.loads(raw)
        return [(str(s), str(r), int(w), int(h), int(t)) for s, r, w, h, t in rows]
    except (ValueError, TypeError):
        return []


def this_hop(service: str, event: Any, started: float, now: float) -> Row:
    """The hop of `service` handling `event` since `started`, until `now` (epoch seconds)."""
    written_ms = int(event.message.timestamp * 1000)
    record = event_context.event_type_of(event.value)
    return (service, record, written_ms, int(started * 1000), int((now - started) * 1000))


def outgoing(service: str) -> dict[str, bytes]:
    """The header for a record `service` sends now: the hops that led to the record being
    handled here, and this one (none outside a handler: a request's or a timer's record
    starts a chain).

    The hops before are not parsed: this one is joined to the header as it came, which is
    checked for shape only (a chain grown past its bound is parsed and cut).
    """
    handled = event_context.handled()
    if handled is None:
        return {}
    event, started = handled
    row = _json(this_hop(service, event, started, time.time()))
    before = header_value(event.message.headers, HEADER)
    if not before or not (before.startswith(b"[[") and before.endswith(b"]]")):
        return {HEADER: b"[" + row + b"]"}
    if len(before) > MAX_HEADER_BYTES:
        kept = b",".join(_json(hop) for hop in carried(event.message.headers)[1 - MAX_HOPS :])
        return {HEADER: b"[" + kept + (b"," if kept else b"") + row + b"]"}
    return {HEADER: before[:-1] + b"," + row + b"]"}


def recorded(value: M, service: str, step: str | None) -> M:
    """`value` with the hops that led here in its `timeline`, if it keeps one: those the
    record being handled carries, and this service's handling of it until now, which
    moved it to the status `step` (None: no step of its history)."""
    if "timeline" not in type(value).model_fields:
        return value
    handled = event_context.handled()
    if handled is None:
        return value
    event, started = handled
    known: tuple[Hop, ...] = getattr(value, "timeline", ())
    seen = {(hop.service, hop.record, _epoch_ms(hop.handled_at)) for hop in known}
    fresh = [hop_of(row) for row in carried(event.message.headers) if _key(row) not in seen]
    here = this_hop(service, event, started, time.time())
    if _key(here) not in seen:
        fresh.append(hop_of(here, step))
    if not fresh:
        return value
    timeline = sorted((*known, *fresh), key=lambda hop: hop.handled_at)[-MAX_HOPS:]
    return value.model_copy(update={"timeline": tuple(timeline)})


def hop_of(row: Row, step: str | None = None) -> Hop:
    service, record, written_ms, handled_ms, took_ms = row
    return Hop(
        service=service,
        record=record,
        written_at=_moment(written_ms),
        handled_at=_moment(handled_ms),
        waited_ms=max(0, handled_ms - written_ms),
        took_ms=took_ms,
        step=step,
    )


def _moment(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def _key(row: Row) -> tuple[str, str, int]:
    """What tells a hop from another: who handled which record, when."""
    service, record, _written_ms, handled_ms, _took_ms = row
    return service, record, handled_ms


def _epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _json(row: Row) -> bytes:
    return json.dumps(row, separators=(",", ":")).encode()
