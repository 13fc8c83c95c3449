"""The mended reply consumer: a reply whose asker gave up must not stop the worker, every
reply over the broker is heard, and an answer to an asker in the same worker does not go
round the broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from faust.agents.replies import ReplyPromise, ReqRepResponse
from faust.topics import Topic
from faust.types import TP, Message

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


#: The reply topic of the test below, subscribed on the inventory app for its length.
HEARD = "f-reply-heard"


@pytest.fixture
async def hearing(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[PromptReplyConsumer]:
    """A reply consumer fetching HEARD with no broker, unsubscribed after the test."""
    monkeypatch.setattr(Topic, "maybe_declare", no_declaration)
    app.flow_control.resume()
    consumer = PromptReplyConsumer(app)
    try:
        await consumer._start_fetcher(HEARD)
        await asyncio.wait_for(reading(HEARD), 5)
        yield consumer
    finally:
        await consumer.stop()
        for channel in [channel for channel in app.topics if HEARD in channel.topics]:
            app.topics.discard(channel)


async def test_a_worker_hears_every_reply_that_comes_over_its_reply_topic(
    hearing: PromptReplyConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Faust also subscribed a channel of the reply topic that nothing read: once it held
    stream_buffer_maxsize / 1.25 replies (3 276), the consumer stopped fetching the topic,
    and every later write answered by another worker timed out."""
    stopped_fetching: list[TP] = []
    monkeypatch.setattr(app.consumer, "on_buffer_full", stopped_fetching.append)
    await app.topics._update_indices()
    await app.topics.on_partitions_assigned({TP(HEARD, 0)})
    hand_over = app.topics._tp_to_callback[TP(HEARD, 0)]
    promises = [ReplyPromise(HEARD, str(n)) for n in range(app.conf.stream_buffer_maxsize)]

    for offset, promise in enumerate(promises):
        hearing._waiting[promise.correlation_id].add(promise)
        await hand_over(reply_record(HEARD, offset, promise.correlation_id))
        await asyncio.wait_for(promise, 5)

    assert [promise.result() for promise in promises] == list(range(len(promises)))
    assert stopped_fetching == []


async def reading(topic: str) -> None:
    """Once a channel of `topic` is subscribed that a stream reads."""
    # Faust's stream subscribes its channel as it starts, and signals nothing.
    while not any(topic in channel.topics and channel.is_iterator for channel in app.topics):  # noqa: ASYNC110
        await asyncio.sleep(0)


async def no_declaration(self: Topic) -> None:
    pass


def reply_record(topic: str, offset: int, correlation_id: str) -> Message:
    reply = ReqRepResponse(key=None, value=offset, correlation_id=correlation_id)
    value = reply.dumps(serializer="json")
    return Message(
        topic, 0, offset, 0.0, 0, [], None, value, None, generation_id=app.consumer_generation_id
    )
