"""Fan-out of what an agent writes to live readers (server-sent events), each bounded."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

#: Values a subscriber may have waiting before it is ended as too slow.
DEFAULT_BOUND = 2000


class Subscription(Generic[T]):
    """One reader's queue of values, in the order they were published."""

    def __init__(self, bound: int) -> None:
        self._bound = bound
        self._waiting: deque[T] = deque()
        self._wake = asyncio.Event()
        #: Set once the subscription ends: no value comes after those waiting.
        self.ended = False
        #: Why it ended: "overflow" if the reader fell behind, else what `end` was told.
        self.reason = ""

    def put(self, value: T) -> None:
        if self.ended:
            return
        if len(self._waiting) >= self._bound:
            self.end("overflow")
            return
        self._waiting.append(value)
        self._wake.set()

    def end(self, reason: str) -> None:
        if not self.ended:
            self.ended, self.reason = True, reason
            self._wake.set()

    async def next_batch(self, within: float) -> list[T]:
        """Every value waiting, once there is one; [] if none came `within` seconds, or
        once the subscription has ended and nothing waits.

        A batch, so a reader under load writes many values at once rather than one each.
        """
        if not self._waiting and not self.ended:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), within)
            except TimeoutError:
                return []
        batch = list(self._waiting)
        self._waiting.clear()
        return batch


class Broadcast(Generic[T]):
    """Values published to every current subscriber, as its own `render` makes them.

    A reader that falls `bound` values behind is ended rather than buffered without
    limit: the agent must never wait for a browser, and a reader that reconnects starts
    again from the current state. Ending every subscription (at shutdown, or after a
    rebalance) lets the readers reconnect.
    """

    def __init__(self, bound: int = DEFAULT_BOUND) -> None:
        self._bound = bound
        self._subscriptions: dict[Subscription[Any], Callable[[T], Any]] = {}

    def __len__(self) -> int:
        return len(self._subscriptions)

    def publish(self, value: T) -> None:
        """Hand `value` to every subscriber; never waits."""
        for subscription, render in self._subscriptions.items():
            subscription.put(render(value))

    @contextmanager
    def subscribe(self, render: Callable[[T], U]) -> Iterator[Subscription[U]]:
        """A subscription for the `with` block: values published from now on, rendered.

        Others may put into it too (another worker's events, say).
        """
        subscription: Subscription[U] = Subscription(self._bound)
        self._subscriptions[subscription] = render
        try:
            yield subscription
        finally:
            del self._subscriptions[subscription]

    def end_all(self, reason: str) -> None:
        """End every subscription: its reader finishes what waits, then stops."""
        for subscription in self._subscriptions:
            subscription.end(reason)
