"""A faust.App on the adjusted transport, and the options by which it meets the broker.

The services' app (`app.ServiceApp`) stands on it, and so does the bench's bare Faust
reference: both meet the broker the same way. It knows no service and no saga.
"""

from __future__ import annotations

from typing import Any

import faust

from apps.platform import transport
from apps.platform.fetch_pace import FetchPace
from apps.platform.settings import Settings


class AdjustedApp(faust.App):
    """A faust.App on the adjusted transport (see `transport`), carrying the settings.

    The services stand on it, and so does the bench's bare Faust reference, so both
    meet the broker the same way.
    """

    def __init__(self, app_id: str, settings: Settings, **options: Any) -> None:
        self.settings = settings
        #: How long the consumer's fetches park on the broker (see `fetch_pace`).
        self.fetch_pace = FetchPace.from_settings(settings)
        super().__init__(app_id, **options)

    def _create_directories(self) -> None:
        # Faust creates only the last level; the base data dir may not exist yet.
        self.conf.datadir.mkdir(parents=True, exist_ok=True)
        super()._create_directories()

    def _new_transport(self) -> transport.Transport:
        return transport.Transport(self.conf.broker_consumer, self)

    def _new_producer_transport(self) -> transport.Transport:
        return transport.Transport(self.conf.broker_producer, self)


def broker_options(settings: Settings) -> dict[str, Any]:
    """How every app here meets the broker: JSON, partitions, group timing, acks."""
    return {
        "broker": settings.broker_url,
        # JSON keys everywhere, or routed reads answer from the wrong worker.
        "key_serializer": "json",
        "value_serializer": "json",
        "topic_partitions": settings.partitions,
        "topic_replication_factor": 1,
        # Tansu holds a JoinGroup for half the session timeout: keep it short.
        "broker_session_timeout": settings.session_timeout,
        "broker_heartbeat_interval": settings.heartbeat_interval,
        "broker_rebalance_timeout": settings.session_timeout,
        "broker_request_timeout": 30.0,
        "producer_acks": -1,
        "producer_linger": settings.producer_linger_ms / 1000,
        # A worker that answered asks otherwise hangs on stop waiting for its streams.
        "stream_wait_empty": False,
    }
