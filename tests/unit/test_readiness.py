"""A worker that served waits out a rebalance before it answers; one starting or stopping
says why at once (apps/platform/readiness.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from apps.platform.readiness import ready_within


@dataclass
class App:
    """What readiness reads of a worker, set by the test."""

    rebalancing: bool = False
    should_stop: bool = False
    crash_reason: BaseException | None = None
    in_recovery: bool = False
    routing_ready: asyncio.Event = field(default_factory=asyncio.Event)
    tables: Any = field(
        default_factory=lambda: SimpleNamespace(recovery=SimpleNamespace(completed=asyncio.Event()))
    )
    producer: Any = None

    def serving(self) -> App:
        self.routing_ready.set()
        self.tables.recovery.completed.set()
        return self

    async def wait(self, *coros: Any) -> Any:
        return None


async def test_a_worker_that_serves_answers_at_once() -> None:
    assert await ready_within(App().serving(), 0) is None


async def test_a_request_waits_out_a_rebalance_and_is_then_answered() -> None:
    app = App().serving()
    app.rebalancing = True
    waiting = asyncio.ensure_future(ready_within(app, 30))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    app.rebalancing = False
    assert await waiting is None


async def test_a_rebalance_longer_than_the_bound_says_why() -> None:
    app = App().serving()
    app.rebalancing = True
    assert await ready_within(app, 0.1) == "rebalancing: partitions are being assigned"


async def test_a_worker_still_starting_says_why_at_once() -> None:
    assert await asyncio.wait_for(ready_within(App(), 30), 1) == (
        "waiting for the consumer group to assign partitions"
    )


async def test_a_stopping_worker_says_why_at_once() -> None:
    app = App().serving()
    app.should_stop = True
    assert (await asyncio.wait_for(ready_within(app, 30), 1) or "").startswith("stopping")
