"""Retry an awaited call with exponential backoff while it fails with given errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    on: tuple[type[BaseException], ...],
    attempts: int,
    first_backoff: float,
    what: str,
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
