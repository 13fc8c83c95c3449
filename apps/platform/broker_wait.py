"""A worker started before its broker listens waits for it, saying so, instead of exiting.

Faust's producer gives up at once when it cannot reach the broker ("Unable to
bootstrap"), so a worker started a moment too early would die. The app waits here,
before its producer and consumer start, and logs what it waits for now and then.
"""

from __future__ import annotations

import asyncio
import logging
import time

logger = logging.getLogger(__name__)

#: How often to try the broker, and how often to say that it is still not there.
RETRY_EVERY_S = 0.5
SAY_EVERY_S = 5.0
CONNECT_TIMEOUT_S = 1.0


async def reachable(host: str, port: int) -> str | None:
    """None if `host:port` accepts a TCP connection; otherwise why not."""
    try:
        connecting = asyncio.open_connection(host, port)
        _, writer = await asyncio.wait_for(connecting, CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        return str(exc) or type(exc).__name__
    writer.close()
    return None


async def wait_for_broker(host: str, port: int) -> None:
    """Return once the broker at `host:port` accepts connections; log while it does not."""
    began, said = time.monotonic(), None
    while (why := await reachable(host, port)) is not None:
        if said is None or time.monotonic() - said >= SAY_EVERY_S:
            logger.warning("waiting for the broker at %s:%d (%s)", host, port, why)
            said = time.monotonic()
        await asyncio.sleep(RETRY_EVERY_S)
    if said is not None:
        logger.warning(
            "the broker at %s:%d answers, after %.1f s", host, port, time.monotonic() - began
        )
