"""Server-sent events to a browser's EventSource, and the other workers' relayed into them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import ClientConnectionResetError, ClientResponse
from aiohttp.web import Request, StreamResponse
from yarl import URL

from apps.platform.broadcast import Subscription
from web.kit.errors import UNREACHABLE, NotReady
from web.kit.listing import LOCAL_SCOPE

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
    request: Request, subscription: Subscription[str], *, heartbeat: float = HEARTBEAT_S
) -> StreamResponse:
    """Send each event of `subscription` until it ends (an `end` event says why) or the
    reader leaves."""
    response = StreamResponse(
        # No buffering on the way: each event must reach the page as it happens.
        headers={"Content-Type": MEDIA_TYPE, "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    try:
        await response.write(f"retry: {RETRY_MS}\n\n".encode())
        while True:
            batch = await subscription.next_batch(heartbeat)
            if batch:
                await response.write("".join(batch).encode())
            elif subscription.ended:
                await response.write(event("end", {"reason": subscription.reason}).encode())
                break
            else:
                await response.write(b": still here\n\n")
    except (ConnectionResetError, ClientConnectionResetError):
        pass  # the reader went away: nothing is owed to it
    return response


async def follow(
    app: Any, worker_urls: list[str], path: str, headers: Mapping[str, str]
) -> list[ClientResponse]:
    """The streams the workers at `worker_urls` serve at `path` of their own events, each
    open (so subscribed) when this returns; NotReady if one cannot be followed. `headers`
    carry the reader's credential, which each worker checks."""
    # No bound on a whole stream; a worker silent past three heartbeats is gone.
    timeout = aiohttp.ClientTimeout(total=None, sock_read=3 * HEARTBEAT_S)
    query = {LOCAL_SCOPE: "local"}
    opened = await asyncio.gather(
        *(
            app.http_client.get(
                URL(url).with_path(path).with_query(query), timeout=timeout, headers=headers
            )
            for url in worker_urls
        ),
        return_exceptions=True,
    )
    followed = [answer for answer in opened if isinstance(answer, ClientResponse)]
    refused = [answer for answer in followed if answer.status != 200]
    failed = [answer for answer in opened if isinstance(answer, BaseException)]
    if refused or failed:
        for answer in followed:
            answer.close()
        why = [f"{answer.url.origin()} answered {answer.status}" for answer in refused]
        raise NotReady(f"another worker's events cannot be followed: {why + failed}")
    return followed


async def relay(stream: ClientResponse, into: Subscription[str]) -> None:
    """Put the events of another worker's `stream` into `into`.

    When that stream stops, `into` ends too: its reader reconnects, and follows the
    workers of the moment (a rebalance may have moved their partitions).
    """
    reason = f"{stream.url.origin()} ended its stream"
    try:
        lines: list[str] = []
        async for raw in stream.content:
            line = raw.decode()
            if line.strip():
                lines.append(line)
                continue
            # A blank line closes an event; only data events pass (not `end`, not `retry:`,
            # not the heartbeat's comments: this stream has its own).
            if lines and lines[0].startswith("event:") and lines[0] != "event: end\n":
                into.put("".join(lines) + "\n")
            lines = []
    except (*UNREACHABLE, TimeoutError) as exc:
        reason = f"{stream.url.origin()} could not be followed: {exc!r}"
    finally:
        stream.close()
        into.end(reason)
