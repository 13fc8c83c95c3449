"""The Faust app every service is built on: one place for the broker-facing settings."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from typing import Any

import faust
from faust.agents.replies import ReplyConsumer
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

import topics
from apps.platform import hops, metrics, readiness, redaction, startup, tracing
from apps.platform.adjusted_app import AdjustedApp, broker_options
from apps.platform.broker_wait import wait_for_broker
from apps.platform.dead_letter_log import keep_dead_letters
from apps.platform.dead_letters import DeadLetteringTopic
from apps.platform.fault_injection import FaultInjector
from apps.platform.json_logs import logging_options
from apps.platform.record_schema import RecordSchema
from apps.platform.replies import PromptReplyConsumer
from apps.platform.restoring import BulkTableManager
from apps.platform.settings import (
    MAX_BODY_BYTES,
    Settings,
    app_id,
    worker_data_dir,
)
from models.base import Model


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


class ServiceApp(AdjustedApp):
    """The app of one service: its settings, its outbound topics, its mends."""

    #: Where the service puts what it cannot decode or handle (see `dead_letters`).
    dead_letters_topic: faust.TopicT
    #: ... and keeps them to be seen (see `dead_letter_log`).
    dead_letters_table: Any
    #: The saga's topics: what is sent to them counts as saga events (see `wire_counts`).
    saga_topics = frozenset(
        spec.name
        for spec in (*topics.ORDER_EVENTS, *topics.INVENTORY_EVENTS, *topics.PAYMENT_OUTCOMES)
    )

    def __init__(self, service: str, settings: Settings, **options: Any) -> None:
        self.service = service
        self._outbound: dict[str, faust.TopicT] = {}
        #: Set once the producer knows the changelogs' partitions (see `readiness`).
        self.routing_ready = asyncio.Event()
        #: Off unless the fault suite sets it (see `fault_injection`).
        self.faults = FaultInjector(
            settings.fault_handler_failures,
            settings.fault_crash_after_sends,
            restarts=settings.restarts,
        )
        metrics.RESTARTS.set(settings.restarts)
        super().__init__(app_id(service), settings, **options)

    async def on_first_start(self) -> None:
        # The worker's port is known from here on (`--web-port`): it names the worker.
        worker = f"{socket.gethostname()}:{self.conf.web_port}"
        tracing.start(self.service, worker, text_logs=self.settings.log_format != "json")
        # Before the producer and consumer start: they give up at once without a broker.
        await wait_for_broker(*self.settings.broker_host_port)
        await super().on_first_start()

    async def publish(self, value: Model) -> None:
        """Send `value` to the topic declared for its type, under that topic's key."""
        spec = topics.route(value)
        self.expect_answers()
        with tracing.sending(spec.name, value, hops.outgoing(self.service)) as headers:
            await self.bound(spec).send(key=spec.key_of(value), value=value, headers=headers)

    def expect_answers(self) -> None:
        """This worker sent what others will act on: fetch with the short wait from now."""
        self.fetch_pace.busy(time.monotonic())

    def bound(self, spec: topics.TopicSpec) -> faust.TopicT:
        """This app's topic for `spec`, bound on first use."""
        topic = self._outbound.get(spec.name)
        if topic is None:
            topic = self._outbound[spec.name] = spec.bind(self)
        return topic

    def on_rebalance_start(self) -> None:
        super().on_rebalance_start()
        metrics.REBALANCES.inc()

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        return SteadyFlowControl(loop=self.loop)

    @cached_property
    def _reply_consumer(self) -> ReplyConsumer:
        return PromptReplyConsumer(self, loop=self.loop, beacon=self.beacon)


def create_app(
    service: str, *, views: Sequence[str] = (), settings: Settings | None = None
) -> ServiceApp:
    """The app of `service` ("order", "inventory" or "payment").

    `views` name the modules of its REST API. Faust imports them when the worker
    starts (autodiscovery): the views import the app, never the other way round.
    """
    settings = settings or Settings.from_env()
    redaction.mask_records()  # no token in any log line, whatever logs it
    app = ServiceApp(
        service,
        settings,
        **broker_options(settings),
        # Each worker keeps its tables in a directory of its own, named after its port
        # (which Faust fills in from `--web-port` when the worker starts).
        datadir=str(worker_data_dir(settings.data_dir, service, "{conf.web_port}")),
        store="rocksdb://",
        autodiscover=list(views),
        # Create the reply topic at start, or the first `ask` waits ~45 s.
        reply_create_topic=True,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.port_of(service),
        web_application_options={"client_max_size": MAX_BODY_BYTES},
        # Faust's own /table/... and /router/... pages are not served: /tables does their
        # job behind the gate (web/access.py), with the documented errors.
        web_tables_enabled=False,
        web_router_enabled=False,
        # A partition taken over from a standby copy is read from the copy's offset on.
        table_standby_replicas=settings.standby_replicas,
        # Tables restored in bulk, stored as read, counted (see `restoring`).
        TableManager=BulkTableManager,
        # A message that does not decode is dead-lettered rather than crashing its agent.
        Topic=DeadLetteringTopic,
        # Every record labelled with its schema's version, and read by it (see `record_schema`).
        Schema=RecordSchema,
        # OMS_LOG_FORMAT=json: one JSON object a line (see `json_logs`).
        **logging_options(service, settings.log_format),
    )
    metrics.watch(app)
    app.dead_letters_topic = topics.dead_letters(service).bind(app)
    app.dead_letters_table = keep_dead_letters(app)
    app.task(readiness.load_routing_metadata)
    startup.reached("imported")
    return app
