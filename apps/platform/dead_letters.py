"""Dead letters: what cannot be decoded or handled goes aside, loudly, and the stream goes on.

Faust acknowledges a message whose handler raised, so an exception would silently
lose a saga step. Instead:
- a message that does not decode goes to the service's dead-letter topic;
- a handler is retried with backoff on broker errors;
- any other exception dead-letters the message with its traceback summary.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import faust
from aiokafka.errors import KafkaError
from faust.types import Message

from apps.platform import metrics, tracing
from apps.platform.retrying import retrying
from models.base import utcnow
from models.dead_letters import DeadLetter

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: What a handler may meet that trying again can cure.
TRANSIENT_ERRORS = (KafkaError, OSError, asyncio.TimeoutError)


async def dead_letter(app: Any, message: Message, error: BaseException) -> None:
    """Put `message` on the app's dead-letter topic, with `error`."""
    letter = DeadLetter(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key_base64=_b64(message.key),
        value_base64=_b64(message.value),
        error=f"{type(error).__name__}: {error}",
        failed_at=utcnow(),
    )
    logger.error(
        "dead-lettered %s[%s]@%s: %s",
        message.topic,
        message.partition,
        message.offset,
        letter.error,
    )
    metrics.DEAD_LETTERS.labels(message.topic).inc()
    tracing.failed(error)
    topic = app.dead_letters_topic
    with tracing.sending(topic.get_topic_name(), letter) as headers:
        await topic.send(key=message.topic, value=letter, headers=headers)


async def handle_or_dead_letter(
    app: Any, event: faust.types.EventT, handler: Callable[[], Awaitable[T]]
) -> T | None:
    """Run `handler`; retry it on broker errors; dead-letter the event if it cannot succeed."""
    try:
        return await retrying(handler, on=TRANSIENT_ERRORS, what="handler")
    except TRANSIENT_ERRORS as exc:
        await dead_letter(app, event.message, exc)
    except Exception as exc:
        logger.exception("handler failed on %s", event.message.tp)
        await dead_letter(app, event.message, exc)
    return None


class DeadLetteringTopic(faust.Topic):
    """A topic that dead-letters a message it cannot decode instead of crashing its agent."""

    async def on_key_decode_error(self, exc: Exception, message: Message) -> None:
        with tracing.processing(message, None, self.app.conf.id):
            await dead_letter(self.app, message, exc)

    async def on_value_decode_error(self, exc: Exception, message: Message) -> None:
        with tracing.processing(message, None, self.app.conf.id):
            await dead_letter(self.app, message, exc)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()
