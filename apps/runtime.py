"""The Faust app every service is built on: one place for the broker-facing settings."""

from __future__ import annotations

from typing import Any

import faust
from faust.agents.replies import ReplyConsumer
from faust.models import maybe_model
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

import topics
from apps import transport
from apps.dead_letters import DeadLetteringTopic
from apps.settings import DEFAULT_PORTS, Settings
from web import health, openapi, tables

#: Largest request body a view accepts; aiohttp answers 413 beyond it.
MAX_BODY_BYTES = 1024 * 1024


class PromptReplyConsumer(ReplyConsumer):
    """Faust's reply consumer, mended in two ways.

    - It starts without the fixed 3 s sleep Faust takes: the sleep delayed every
      worker's start, and the reply stream waits for its subscription anyway.
    - A reply that comes after its asker gave up (a 504) is dropped. Faust would
      complete the abandoned promise again, and the InvalidStateError that raises
      stops the reply consumer, leaving a worker that no longer consumes anything.
      It also forgets each promise once answered, where Faust keeps them all.
    """

    async def _drain_replies(self, channel: Any) -> None:
        async for reply in channel.stream():
            for promise in self._waiting.pop(reply.correlation_id, ()):
                if not promise.done():
                    promise.fulfill(reply.correlation_id, maybe_model(reply.value))

    async def _start_fetcher(self, topic_name: str) -> None:
        if topic_name not in self._fetchers:
            self._fetchers[topic_name] = None
            topic = self._reply_topic(topic_name)
            await topic.maybe_declare()
            self.app.topics.add(topic)
            self._fetchers[topic_name] = self.add_future(self._drain_replies(topic))


class SteadyFlowControl(FlowControlEvent):
    """Faust's flow control, resumed only once per rebalance.

    Resuming empties every stream's buffer, meant for what was fetched before the
    rebalance. But Faust's recovery resumes twice, and what is fetched in between
    (records of the new assignment, already counted as read) was thrown away by the
    second resume and never processed. A resume while flowing now changes nothing.
    """

    def resume(self) -> None:
        if not self.is_active():
            super().resume()


class ServiceApp(faust.App):
    """A faust.App on the adjusted transport, carrying the system's settings."""

    #: Whether the producer knows the changelog partitions (see `readiness`).
    metadata_loaded = False
    #: Where the service puts what it cannot decode or handle (see `dead_letters`).
    dead_letters_topic: faust.TopicT

    def __init__(self, service: str, settings: Settings, **options: Any) -> None:
        self.service = service
        self.settings = settings
        super().__init__(f"{service}-service", **options)

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        return SteadyFlowControl(loop=self.loop)

    @cached_property
    def _reply_consumer(self) -> ReplyConsumer:
        return PromptReplyConsumer(self, loop=self.loop, beacon=self.beacon)

    def _create_directories(self) -> None:
        # Faust creates only the last level; the base data dir may not exist yet.
        self.conf.datadir.mkdir(parents=True, exist_ok=True)
        super()._create_directories()

    def _new_transport(self) -> transport.Transport:
        return transport.Transport(self.conf.broker_consumer, self)

    def _new_producer_transport(self) -> transport.Transport:
        return transport.Transport(self.conf.broker_producer, self)


def create_app(service: str, settings: Settings | None = None) -> ServiceApp:
    """The app of `service` ("order", "inventory" or "payment")."""
    settings = settings or Settings.from_env()
    app = ServiceApp(
        service,
        settings,
        broker=settings.broker_url,
        # Each worker keeps its tables in a directory of its own, named after its port.
        datadir=str(settings.data_dir / "{conf.name}-{conf.web_port}"),
        store="rocksdb://",
        autodiscover=False,
        # JSON keys everywhere, or routed reads answer from the wrong worker.
        key_serializer="json",
        value_serializer="json",
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        # Tansu holds a JoinGroup for half the session timeout: keep it short.
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_rebalance_timeout=settings.session_timeout,
        broker_request_timeout=30.0,
        producer_acks=-1,
        # Create the reply topic at start, or the first `ask` waits ~45 s.
        reply_create_topic=True,
        # A worker that answered asks otherwise hangs on stop waiting for its streams.
        stream_wait_empty=False,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=DEFAULT_PORTS[service],
        web_application_options={"client_max_size": MAX_BODY_BYTES},
        # A message that does not decode is dead-lettered rather than crashing its agent.
        Topic=DeadLetteringTopic,
    )
    app.dead_letters_topic = topics.dead_letters(service).bind(app)
    health.register(app)
    tables.register(app)
    openapi.register(app)
    return app
