"""The mended reply consumer: a reply whose asker gave up must not stop the worker, and an
answer to an asker in the same worker does not go round the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from faust.agents.replies import ReplyPromise

from apps.inventory import app
from apps.platform.replies import PromptReplyConsumer, send_reply
from models.base import ReplyAddress


@dataclass
class Reply:
    correlation_id: str
    value: Any


class Channel:
    def __init__(self, *replies: Reply) -> None:
        self.replies = replies

    async def stream(self) -> AsyncIterator[Reply]:
        for reply in self.replies:
            yield reply


async def test_a_reply_whose_asker_gave_up_is_dropped_and_the_others_are_delivered() -> None:
    consumer = PromptReplyConsumer(app)
    abandoned, awaited = ReplyPromise("replies", "gave-up"), ReplyPromise("replies", "waits")
    abandoned.cancel()  # what a timed-out wait does to its promise
    consumer._waiting["gave-up"].add(abandoned)
    consumer._waiting["waits"].add(awaited)

    await consumer._drain_replies(Channel(Reply("gave-up", 1), Reply("waits", 2)))

    assert awaited.result() == 2
    assert abandoned.cancelled()
    assert not consumer._waiting  # answered promises are forgotten


async def test_an_answer_to_an_asker_in_this_worker_skips_the_broker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waiting = ReplyPromise(app.conf.reply_to, "here")
    app._reply_consumer._waiting["here"].add(waiting)

    async def no_send(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the answer went to the broker")

    monkeypatch.setattr(app, "send", no_send)
    await send_reply(app, ReplyAddress(topic=app.conf.reply_to, correlation_id="here"), "done")

    assert waiting.result() == "done"
