"""Whether a worker can serve: partitions assigned, tables recovered, keys routable."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from apps.platform import startup

logger = logging.getLogger(__name__)


#: Why a worker does not serve while it rebuilds its tables: progress, not a hang.
RECOVERING = "recovering tables from their changelogs"


class Serving(Protocol):
    """What readiness reads of a service's app (a `ServiceApp`, which it need not know):
    Faust's own state, and the event set once routed reads can be served."""

    routing_ready: asyncio.Event

    @property
    def should_stop(self) -> bool: ...
    @property
    def crash_reason(self) -> BaseException | None: ...
    @property
    def rebalancing(self) -> bool: ...
    @property
    def in_recovery(self) -> bool: ...
    @property
    def tables(self) -> Any: ...
    @property
    def producer(self) -> Any: ...
    async def wait(self, *coros: Any) -> Any: ...


def not_ready_reason(app: Serving) -> str | None:
    """Why `app` cannot serve yet, or None once it can."""
    if app.should_stop:
        return f"stopping ({app.crash_reason or 'asked to stop'})"
    recovery = app.tables.recovery
    if app.rebalancing or not recovery.completed.is_set():
        if app.in_recovery:
            return RECOVERING
        if app.rebalancing:
            return "rebalancing: partitions are being assigned"
        return "waiting for the consumer group to assign partitions"
    if not app.routing_ready.is_set():
        return "loading the partition metadata that routes reads"
    return None


#: How often a request waiting out a rebalance looks again.
RECHECK_S = 0.05


async def ready_within(app: Serving, seconds: float) -> str | None:
    """Wait until `app` serves again after a rebalance, for `seconds` at most; why not, if not.

    Only a worker that has served waits: one still starting, or stopping, says why at
    once (a client should go elsewhere). A rebalance (a worker of the service came or
    went: a rolling upgrade, a scale-out) takes a few seconds, and a request waits it out
    rather than fail.
    """
    deadline = time.monotonic() + seconds
    while (reason := not_ready_reason(app)) is not None:
        if app.should_stop or not app.routing_ready.is_set() or time.monotonic() >= deadline:
            return reason
        await asyncio.sleep(RECHECK_S)
    return None


async def load_routing_metadata(app: Serving) -> None:
    """Once the tables have recovered, load what routed reads need; then the worker serves.

    A routed read hashes its key with the producer's metadata of the table's changelog,
    which aiokafka only loads for topics it has sent to; before that, Faust's router
    raises a TypeError.
    """
    await app.wait(app.tables.recovery.completed)
    changelogs = [table.changelog_topic.get_topic_name() for table in app.tables.values()]
    await app.producer.load_metadata(changelogs)
    app.routing_ready.set()
    startup.reached("ready")
    logger.info("routing metadata loaded for %s", ", ".join(changelogs) or "no tables")
