"""A faust.App on the adjusted transport, and the options by which it meets the broker.

The services' app (`app.ServiceApp`) stands on it, and so does the bench's bare Faust
reference: both meet the broker the same way. It knows no service and no saga.
"""

from __future__ import annotations

import ssl
from typing import Any

import faust
from faust.types.auth import CredentialsT

from apps.platform import transport
from apps.platform.fetch_pace import FetchPace
from apps.platform.settings import Settings


class AdjustedApp(faust.App):
    """A faust.App on the adjusted transport (see `transport`), carrying the settings.

    The services stand on it, and so does the bench's bare Faust reference, so both
    meet the broker the same way.
    """

    #: The topics whose records are saga events, for the wire counts (see `wire_counts`).
    saga_topics: frozenset[str] = frozenset()

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
    """How every app here meets the broker: JSON, partitions, group timing, acks, auth."""
    return {
        "broker": settings.broker_url,
        "broker_credentials": broker_credentials(settings),
        # JSON keys everywhere, or routed reads answer from the wrong worker.
        "key_serializer": "json",
        "value_serializer": "json",
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
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


def broker_credentials(settings: Settings) -> CredentialsT | None:
    """TLS and/or SASL for `settings.broker_security_protocol`; None for PLAINTEXT."""
    protocol = settings.broker_security_protocol
    context = tls_context(settings.broker_ca_file) if protocol.endswith("SSL") else None
    if protocol.startswith("SASL_"):
        # With a context Faust speaks SASL_SSL, without one SASL_PLAINTEXT.
        return faust.SASLCredentials(
            username=settings.broker_sasl_username,
            password=settings.broker_sasl_password,
            mechanism=settings.broker_sasl_mechanism,
            ssl_context=context,
        )
    return None if context is None else faust.SSLCredentials(context)


def tls_context(ca_file: str) -> ssl.SSLContext:
    """A client context that checks the brokers' certificates and host names."""
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except OSError as exc:  # a missing file, or one that holds no PEM certificate
        raise ValueError(f"OMS_BROKER_CA_FILE={ca_file!r}: {exc.strerror or exc}") from None
