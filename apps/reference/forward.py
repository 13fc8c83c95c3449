"""A bare Faust forwarding agent (topic A -> topic B) on the services' own transport.

The app takes the services' broker settings: the short session timeout, JSON keys and
values, acks=all, and `apps.platform.transport`, whose consumer has the configured
fetch wait instead of Faust's hard-coded 1500 ms (BROKER.md). It knows no service.
"""

from __future__ import annotations

from dataclasses import replace

import faust

from apps.platform import transport
from apps.platform.fetch_pace import FetchPace
from apps.platform.settings import Settings
from apps.reference.wire import arguments


class ForwardApp(faust.App):
    """A faust.App on the services' transport; the consumer reads its fetch wait from here."""

    def __init__(self, app_id: str, settings: Settings, **options: object) -> None:
        self.settings = settings
        #: Read by the services' consumer before each fetch (see `fetch_pace`).
        self.fetch_pace = FetchPace.from_settings(settings)
        super().__init__(app_id, **options)

    def _new_transport(self) -> transport.Transport:
        return transport.Transport(self.conf.broker_consumer, self)

    def _new_producer_transport(self) -> transport.Transport:
        return transport.Transport(self.conf.broker_producer, self)


def build(source: str, sink: str, settings: Settings) -> ForwardApp:
    datadir = settings.data_dir / "reference-forward"
    # Faust makes only the last level of its data dir; a fresh checkout has no .data yet.
    datadir.mkdir(parents=True, exist_ok=True)
    app = ForwardApp(
        f"reference-forward-{source}",  # a fresh group per run: Tansu keeps a group's session
        settings,
        broker=settings.broker_url,
        datadir=str(datadir),
        store="memory://",
        key_serializer="json",
        value_serializer="json",
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_rebalance_timeout=settings.session_timeout,
        broker_request_timeout=30.0,
        producer_acks=-1,
        stream_wait_empty=False,
        web_enabled=False,
    )
    # The probe creates both topics with the partitions it wants; Faust only uses them.
    source_topic = app.topic(source)
    sink_topic = app.topic(sink)

    @app.agent(source_topic)
    async def forward(events: faust.StreamT) -> None:
        async for key, value in events.items():
            await sink_topic.send(key=key, value=value)

    return app


def main() -> None:
    args = arguments(__doc__.splitlines()[0]).parse_args()
    settings = replace(Settings.from_env(), broker_url=args.broker_url)
    app = build(args.source, args.sink, settings)
    faust.Worker(app, loglevel="WARNING").execute_from_commandline()


if __name__ == "__main__":
    main()
