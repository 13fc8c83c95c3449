"""Server-sent events: a subscription's values streamed to a browser's EventSource."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import ClientConnectionResetError
from aiohttp.web import Request, StreamResponse

from apps.platform.broadcast import Subscription

T = TypeVar("T")

MEDIA_TYPE = "text/event-stream"
#: A comment line this often: proxies keep the connection, and a reader that left is
#: noticed (aiohttp does not cancel a handler whose client went away).
HEARTBEAT_S = 15.0
#: How soon a browser reconnects after the stream ends (EventSource's `retry`).
RETRY_MS = 1000


def event(name: str, data: Any) -> str:
    """One event named `name` carrying `data` as JSON (on one line, as SSE requires)."""
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def stream(
    request: Request,
    subscription: Subscription[T],
    render: Callable[[T], str],
    *,
    first: str = "",
    heartbeat: float = HEARTBEAT_S,
) -> StreamResponse:
    """Send `first`, then each value of `subscription` as `render` writes it, until the
    subscription ends (an `end` event says why) or the reader leaves."""
    response = StreamResponse(
        # No buffering on the way: each event must reach the page as it happens.
        headers={"Content-Type": MEDIA_TYPE, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    try:
        await response.write(f"retry: {RETRY_MS}\n\n{first}".encode())
        while True:
            batch = await subscription.next_batch(heartbeat)
            if batch:
                await response.write("".join(map(render, batch)).encode())
            elif subscription.ended:
                await response.write(event("end", {"reason": subscription.reason}).encode())
                break
            else:
                await response.write(b": still here\n\n")
    except (ConnectionResetError, ClientConnectionResetError):
        pass  # the reader went away: nothing is owed to it
    return response
