"""The imperative shell every owning agent shares: apply a decision of its pure core.

Each agent reads its table, asks its core for a decision, then calls `apply`: write the
table (the agent is its only writer), publish the saga events, answer REST callers.
What else a decision asks for (stock commands, gateway requests) the agent sends itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from apps.dead_letters import handle_or_dead_letter
from apps.replies import send_reply
from models.base import Model
from models.events import Event
from models.reservations import ReplyAddress

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def each_event(
    app: Any, stream: Any, handler: Callable[[Any], Awaitable[T]]
) -> AsyncIterator[T | None]:
    """Run `handler` on each event of `stream`; what fails is dead-lettered, never lost."""
    async for event in stream.events():
        yield await handle_or_dead_letter(app, event, partial(handler, event))


async def apply(
    app: Any,
    table: Any,
    key: str,
    *,
    before: Model | None,
    after: Model | None,
    changed: bool,
    events: Iterable[Event] = (),
    event_topics: Mapping[str, Any],
    replies: Iterable[tuple[ReplyAddress, Any]] = (),
) -> None:
    """Write `after` under `key` if `changed`, then publish `events` and send `replies`."""
    if changed and after is not None:
        table[key] = after
        status = getattr(after, "status", None)
        if before is None or getattr(before, "status", None) != status:
            logger.info("%s %s: %s", table.name, key, status)
    for event in events:
        await event_topics[event.type].send(key=key, value=event)
    for address, reply in replies:
        await send_reply(app, address, reply)
