"""Request and reply between a view and an agent, on Faust's reply protocol.

A view sends a command to a topic with its reply address in headers (the app's reply
topic and a correlation id) and waits for the answer on Faust's reply consumer, as
`agent.ask` does. Unlike `agent.ask`, it can address one topic of an agent that
consumes several, and the agent replies explicitly: at once, or, when the answer
depends on later events (a reservation waits for its lines), once it is known.
The headers have names of their own, so Faust never replies on the agent's behalf.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from faust.agents.replies import ReplyConsumer, ReplyPromise, ReqRepResponse
from faust.models import maybe_model
from faust.types import EventT
from mode.utils.text import want_str

import topics
from apps.platform import tracing
from models.base import Model, ReplyAddress

#: The headers that carry a reply address.
REPLY_TO, CORRELATION_ID = "oms-reply-to", "oms-correlation-id"


async def request(app: Any, command: Model) -> ReplyPromise:
    """Send `command` to the agent that owns its key; the promise of that agent's reply.

    The send completes before this returns, so a caller that gives up waiting on
    the promise knows the command is on its way.
    """
    spec = topics.route(command)
    correlation_id = uuid4().hex
    promise = ReplyPromise(app.conf.reply_to, correlation_id)
    await app._reply_consumer.add(correlation_id, promise)
    address = {REPLY_TO: app.conf.reply_to.encode(), CORRELATION_ID: correlation_id.encode()}
    app.expect_answers()
    with tracing.sending(spec.name, command, address) as headers:
        await app.bound(spec).send(
            key=spec.key_of(command), value=command, headers=headers, force=True
        )
    return promise


def reply_address(event: EventT) -> ReplyAddress | None:
    """Where the sender of `event` waits for an answer, if it does."""
    headers = event.headers or {}
    topic, correlation_id = headers.get(REPLY_TO), headers.get(CORRELATION_ID)
    if not topic or not correlation_id:
        return None
    return ReplyAddress(topic=want_str(topic), correlation_id=want_str(correlation_id))


async def send_reply(app: Any, address: ReplyAddress, value: Any) -> None:
    """Answer the asker at `address`: in this worker if it waits here, else over its topic.

    The command itself always went through the broker (it is the record of the
    request); only the answer to an asker in this very worker skips the round trip.
    """
    if address.topic == app.conf.reply_to:
        tracing.note("reply", **{"oms.record.type": type(value).__name__})
        app._reply_consumer.fulfill(address.correlation_id, value)
        return
    response = ReqRepResponse(key=None, value=value, correlation_id=address.correlation_id)
    with tracing.sending(address.topic, value) as headers:
        await app.send(address.topic, key=None, value=response, headers=headers)


class PromptReplyConsumer(ReplyConsumer):
    """Faust's reply consumer, mended in three ways, and answerable in-process.

    - It starts without the fixed 3 s sleep Faust takes: the sleep delayed every
      worker's start, and the reply stream waits for its subscription anyway.
    - Its reply topic is subscribed as one channel, the one its stream reads. Faust
      subscribed the topic itself too, and the stream over it added a second channel.
      The first was never read: its replies stayed in its buffer, unacknowledged,
      until that was nearly full (stream_buffer_maxsize / 1.25, 3 276 replies) and the
      consumer stopped fetching the reply topic for good.
    - A reply that comes after its asker gave up (a 504) is dropped. Faust would
      complete the abandoned promise again, and the InvalidStateError that raises
      stops the reply consumer, leaving a worker that no longer consumes anything.
      It also forgets each promise once answered, where Faust keeps them all.
    """

    def fulfill(self, correlation_id: str, value: Any) -> None:
        """Answer the askers waiting on `correlation_id`, unless they gave up."""
        for promise in self._waiting.pop(correlation_id, ()):
            if not promise.done():
                promise.fulfill(correlation_id, value)

    async def _drain_replies(self, channel: Any) -> None:
        async for reply in channel.stream():
            self.fulfill(reply.correlation_id, maybe_model(reply.value))

    async def _start_fetcher(self, topic_name: str) -> None:
        if topic_name not in self._fetchers:
            self._fetchers[topic_name] = None
            topic = self._reply_topic(topic_name)
            await topic.maybe_declare()
            # Subscribed now, and the one channel the drain reads (see the docstring).
            replies = topic.clone(is_iterator=True)
            self.app.topics.add(replies)
            self._fetchers[topic_name] = self.add_future(self._drain_replies(replies))
