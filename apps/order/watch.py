"""Long-polling: a request waits on the owning worker until the order agent changes the order."""

from __future__ import annotations

import asyncio
from collections import defaultdict


class OrderWatch:
    """The agent calls `changed(order_id)` after each write; readers wait on `next_change`."""

    def __init__(self) -> None:
        self._events: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def changed(self, order_id: str) -> None:
        event = self._events.pop(order_id, None)
        if event is not None:
            event.set()

    def next_change(self, order_id: str) -> asyncio.Event:
        """An event set when the order next changes (shared by everyone waiting on it)."""
        return self._events[order_id]
