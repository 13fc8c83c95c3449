"""Sending a command to the agent that owns its key, and waiting for its reply in time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import uuid4

from pydantic import BaseModel

import topics
from apps.platform import replies
from models.base import Model
from web.kit.errors import ApiError, GatewayTimeout

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")


def new_id() -> str:
    return uuid4().hex


async def ask(app: Any, command: Model) -> Any:
    """Send `command` to the agent owning its key and return the reply; 504 past the timeout."""
    timeout = app.settings.request_timeout
    # Sent first, outside the timeout: a 504 then truly means "may still be applied".
    promise = await replies.request(app, command)
    try:
        # Shielded: timing out must not cancel the promise a late reply will complete.
        return await asyncio.wait_for(asyncio.shield(promise), timeout)
    except TimeoutError:
        key = topics.route(command).key_of(command)
        logger.warning("no reply to %s for %r within %.1f s", type(command).__name__, key, timeout)
        raise GatewayTimeout(
            f"the worker owning {key!r} did not answer within {timeout:g} s; "
            "the command may still be applied"
        ) from None


#: How an agent's refusal reads over HTTP: its error name -> (error class, code).
Refusals = Mapping[str, tuple[type[ApiError], str]]


def no_details(reply: Any) -> list[Any]:
    return []


async def send_command(
    app: Any,
    command: Model,
    reply_type: type[R],
    refusals: Refusals,
    *,
    details: Callable[[R], list[Any]] = no_details,
) -> R:
    """The owning agent's reply to `command` as `reply_type`; a refusal it states in its
    `error` and `message` is raised as the API error, with `details(reply)`."""
    # A reply is a record (an agent of another version may answer): unknown fields are
    # ignored, as everywhere a record is read (models/versions.py).
    reply: Any = reply_type.model_validate(await ask(app, command), extra="ignore")
    if reply.error is not None:
        kind, code = refusals[reply.error]
        raise kind(reply.message or reply.error, code=code, details=details(reply))
    return reply


class IncompleteReply(RuntimeError):
    """An agent's reply that states no refusal and carries no answer either: a bug."""


def answer_in(value: T | None, command: Model) -> T:
    """What the owning agent answered `command` with, from a reply that refused nothing."""
    if value is None:
        raise IncompleteReply(f"the reply to {type(command).__name__} carries no answer")
    return value
