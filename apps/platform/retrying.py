"""Retry an awaited call with exponential backoff while it fails with given errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The one retry policy: five tries, pausing 0.1, 0.2, 0.4 and 0.8 s between them.
ATTEMPTS = 5
FIRST_BACKOFF_S = 0.1


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    on: tuple[type[BaseException], ...],
    what: str,
    attempts: int = ATTEMPTS,
    first_backoff: float = FIRST_BACKOFF_S,
) -> T:
    """`call()`, tried up to `attempts` times; the last attempt's error is the caller's."""
    backoff = first_backoff
    for attempt in range(1, attempts):
        try:
            return await call()
        except on as exc:
            logger.warning(
                "%s attempt %d failed (%r); retrying in %.2f s", what, attempt, exc, backoff
            )
            await asyncio.sleep(backoff)
            backoff *= 2
    return await call()
