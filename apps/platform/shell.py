"""The imperative shell every owning agent shares: run a handler per event, apply a decision.

Each agent reads its table, asks its core for a `Decision`, and calls `apply`. The
agent is its table's only writer, and `apply` is the only place an agent writes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from apps.platform import hops, metrics, tracing
from apps.platform.app import ServiceApp
from apps.platform.dead_letters import handle_or_dead_letter
from apps.platform.decision import Decision
from apps.platform.event_context import handling
from apps.platform.replies import send_reply
from models.base import Model

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def each_event(
    app: ServiceApp, stream: Any, handler: Callable[[Any], Awaitable[T]]
) -> AsyncIterator[T | None]:
    """Run `handler` on each event of `stream`; what fails is dead-lettered, never lost.

    What is logged meanwhile names the event (see `event_context`), dead letters too.
    """
    async for event in stream.events():
        started = time.perf_counter()
        with tracing.processing(event.message, event.value, app.conf.id), handling(event):
            result = await handle_or_dead_letter(app, event, partial(handler, event))
        elapsed = time.perf_counter() - started
        metrics.handled(event.message.topic, elapsed, dead_lettered=result is None)
        yield result


async def apply(
    app: ServiceApp,
    table: Any,
    key: str,
    before: Model | None,
    decision: Decision[T],
    written: Callable[[T], None] | None = None,
) -> None:
    """Carry out `decision` about `key`: write, send commands and events, then answer.

    The write comes first, so every message the decision sends follows the state that
    explains it; the replies come last, so a caller that reads back sees it all.
    `written` is told each value written, at once: what a worker keeps beside its table
    follows the write even when a send fails after it (the retry finds no change to make).
    """
    after = decision.state
    status = getattr(after, "status", None)
    moved = status is not None and status != getattr(before, "status", None)
    if decision.changed and after is not None:
        after = tracing.stamped(after)  # a new order keeps the trace it was placed in
        # ... and its timeline: the hops that led here, and the step this one made.
        after = hops.recorded(after, app.service, status if moved else None)
        table[key] = after
        if written is not None:
            written(after)
        app.faults.after_write(table.name, key)
        tracing.note("table write", **{"oms.table": table.name, "oms.status": str(status)})
        if moved:
            # A line per step cost a tenth of a worker's CPU (py-spy): the steps are
            # logged at debug, and only the statuses the value names at info.
            settled = status in type(after).outcome_statuses
            logger.log(
                logging.INFO if settled else logging.DEBUG, "%s %s: %s", table.name, key, status
            )
            if settled:
                metrics.settled(table.name, status, getattr(after, "reason", None))
    messages = (*decision.commands, *decision.events)
    tracing.decided(
        str(status) if decision.changed else "unchanged",
        **{"oms.sent": len(messages), "oms.replies": len(decision.replies)},
    )
    # What a request or a timer makes of an order goes on in the order's own trace.
    with tracing.continuing(before, f"continue {table.name}"):
        for message in messages:
            await app.publish(message)
        if messages and app.faults.crashes_after_these_sends():
            await app.faults.crash(app, table.name, key)
        for address, reply in decision.replies:
            if (error := getattr(reply, "error", None)) is not None:
                logger.info("%s %s refused: %s", table.name, key, error)
            await send_reply(app, address, reply)
