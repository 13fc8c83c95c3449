"""A bare Faust forwarding agent (topic A -> topic B) on the services' own transport.

The app takes the services' broker settings: the short session timeout, JSON keys and
values, acks=all, and `apps.platform.transport`, whose consumer has the configured
fetch wait instead of Faust's hard-coded 1500 ms (BROKER.md). It knows no service.
"""

from __future__ import annotations

from dataclasses import replace

import faust

from apps.platform.adjusted_app import AdjustedApp, broker_options
from apps.platform.settings import Settings
from apps.reference.wire import arguments


def build(source: str, sink: str, settings: Settings) -> AdjustedApp:
    app = AdjustedApp(
        f"reference-forward-{source}",  # a fresh group per run: Tansu keeps a group's session
        settings,
        **broker_options(settings),
        datadir=str(settings.data_dir / "reference-forward"),
        store="memory://",
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
