"""Settings shared by every service, read from `OMS_*` environment variables."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

PREFIX = "OMS_"

#: The release this code is (pyproject.toml's version; CHANGELOG.md says what each changed).
VERSION = version("oms")

#: Workers per service at most: worker n listens on the service's port + 100 n.
MAX_WORKERS = 9
#: The services, in the order `oms up` starts them; each listens on the base port + its index.
SERVICES = ("order", "inventory", "payment")
#: The log levels a worker takes (Faust's `--loglevel`).
LOG_LEVELS = ("crit", "error", "warn", "info", "debug")
#: How a worker writes its log: lines for people, or one JSON object a line (see json_logs.py).
LOG_FORMATS = ("text", "json")
#: Largest request body a view accepts; aiohttp answers 413 beyond it.
MAX_BODY_BYTES = 1024 * 1024
#: How a worker may meet the broker: Kafka's `security.protocol` values.
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
#: The SASL mechanisms that need only a user name and a password.
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
#: The shortest HS256 secret taken (RFC 7518, 3.2: a key as long as the hash's output).
MIN_SECRET_BYTES = 32
#: The algorithms a key source may be asked to accept: HMAC with a shared secret, public
#: keys with a JWKS. `none` is never one of them (RFC 8725, 3.1).
SECRET_ALGORITHMS = ("HS256", "HS384", "HS512")
JWKS_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


def app_id(service: str) -> str:
    """The Faust app id (and consumer group) of `service`: `order-service`, ..."""
    return f"{service}-service"


def worker_data_dir(data_dir: Path, service: str, port: int | str) -> Path:
    """Where the worker of `service` listening on `port` keeps its tables."""
    return data_dir / f"{app_id(service)}-{port}"


@dataclass(frozen=True)
class Settings:
    """Laptop defaults; each field is overridden by `OMS_<FIELD>` in upper case."""

    broker_url: str = "kafka://127.0.0.1:9092"
    #: PLAINTEXT, or TLS (SSL), SASL, or both (SASL_SSL), for an existing Kafka cluster.
    broker_security_protocol: str = "PLAINTEXT"
    broker_sasl_mechanism: str = "PLAIN"
    broker_sasl_username: str = ""
    #: Kept out of the repr, so a logged Settings does not show it.
    broker_sasl_password: str = field(default="", repr=False)
    #: The CA bundle (PEM) that signed the brokers' certificates; empty: the system's CAs.
    broker_ca_file: str = ""
    #: on: every request but the public ones needs a bearer token (see web/access.py);
    #: off: no token asked, every caller an operator; only on a loopback binding.
    auth: str = "on"
    #: The HS256 secret tokens are signed with (32 bytes at least); empty: the one `oms up`
    #: keeps in the data directory. Kept out of the repr.
    auth_secret: str = field(default="", repr=False)
    #: Instead of a secret: an identity provider's public keys, as a JWKS file or URL.
    auth_jwks: str = ""
    #: The algorithms accepted, comma-separated; empty: HS256 with a secret, RS256 and
    #: ES256 with a JWKS. Never taken from the token itself (RFC 8725).
    auth_algorithms: str = ""
    #: When set, a token must carry this `iss` ...
    auth_issuer: str = ""
    #: ... and this `aud`.
    auth_audience: str = ""
    #: The claim holding the token's roles, a list; a dotted name reaches into an object
    #: (`realm_access.roles`, as Keycloak writes them).
    auth_roles_claim: str = "roles"
    #: Seconds of clock difference allowed on `exp` and `nbf`.
    auth_leeway: float = 30.0
    #: Copies of each topic the services create; a cluster of three brokers or more wants 3.
    replication_factor: int = 1
    web_host: str = "127.0.0.1"
    #: The order service listens here, inventory on the next port, payment on the one after.
    base_port: int = 8070
    #: Where the order service's saga page reads stock and dead letters; empty: the
    #: service's first worker on this host (see `url_of`).
    inventory_url: str = ""
    payment_url: str = ""
    data_dir: Path = Path(".data")
    partitions: int = 8
    #: Workers `oms up` starts per service; they share the partitions.
    workers: int = 1
    #: Standby copies of each table partition, kept current on other workers of the
    #: service: a worker lost is replaced without reading its changelogs (0: none).
    standby_replicas: int = 1
    #: Seconds a REST call waits for the owning agent's reply before answering 504.
    request_timeout: float = 10.0
    #: Sagas an order worker keeps open at most; past it, new orders get 429 at once.
    max_open_sagas: int = 128
    #: How long a fetch may park on the broker while the worker is busy; Faust
    #: hard-codes 1500 ms, which costs ~375 ms a hop on Tansu (see BROKER.md).
    fetch_wait_ms: int = 10
    #: ... and once it has been idle for `idle_after` seconds (see fetch_pace.py); never
    #: shorter than the busy one.
    idle_fetch_wait_ms: int = 100
    idle_after: float = 2.0
    #: How long the producer may hold a record to send it with others (fewer requests).
    producer_linger_ms: int = 0
    #: A short session keeps Tansu's JoinGroup hold (half the session) short.
    session_timeout: float = 3.0
    heartbeat_interval: float = 0.5
    #: Seconds a payment may stay PENDING before it fails with reason TIMEOUT.
    payment_timeout: float = 60.0
    #: Set by `oms up` for the workers of the broker it started: the orders stored past
    #: which that broker is a poor choice, said on the saga page (see broker_load.py);
    #: 0, a broker apart or Kafka: never said.
    embedded_broker_orders: int = 0
    #: Seconds an order may stay open and unchanged before it is nudged (see stalled.py).
    saga_nudge_after: float = 30.0
    #: The simulated gateway declines larger amounts (LIMIT_EXCEEDED).
    payment_limit: Decimal = Decimal("10000.00")
    #: How much each worker logs: crit, error, warn, info or debug.
    log_level: str = "info"
    #: text or json (one object a line, naming the event being handled).
    log_format: str = "text"
    #: How many times `oms up` started this worker again after it died (it sets this).
    restarts: int = 0
    #: The fault suite's (see fault_injection.py): the share of decisions that fail
    #: after their write, and the decision with sends after which the worker crashes.
    fault_handler_failures: float = 0.0
    fault_crash_after_sends: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings, raising ValueError naming the variable that is wrong."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for setting in fields(cls):
            name = PREFIX + setting.name.upper()
            if name not in environ:
                continue
            raw = environ[name]
            kind = type(getattr(cls, setting.name))
            try:
                values[setting.name] = kind(raw)
            except (ValueError, ArithmeticError):
                raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.partitions < 1:
            raise ValueError(f"{PREFIX}PARTITIONS must be at least 1, not {self.partitions}")
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"{PREFIX}WORKERS must be within 1..{MAX_WORKERS}, not {self.workers}")
        if not 1024 <= self.base_port <= 65535 - 2 - MAX_WORKERS * 100:
            raise ValueError(f"{PREFIX}BASE_PORT must be within 1024..{65533 - MAX_WORKERS * 100}")
        if self.standby_replicas < 0:
            raise ValueError(
                f"{PREFIX}STANDBY_REPLICAS must be 0 or more, not {self.standby_replicas}"
            )
        if self.max_open_sagas < 1:
            raise ValueError(
                f"{PREFIX}MAX_OPEN_SAGAS must be at least 1, not {self.max_open_sagas}"
            )
        if self.request_timeout <= 0:
            raise ValueError(f"{PREFIX}REQUEST_TIMEOUT must be positive")
        if not 0 <= self.fetch_wait_ms <= 1500:
            raise ValueError(f"{PREFIX}FETCH_WAIT_MS must be within 0..1500")
        if not 0 <= self.idle_fetch_wait_ms <= 1500:
            raise ValueError(f"{PREFIX}IDLE_FETCH_WAIT_MS must be within 0..1500")
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"{PREFIX}LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if self.payment_timeout <= 0 or self.payment_limit <= 0:
            raise ValueError(f"{PREFIX}PAYMENT_TIMEOUT and {PREFIX}PAYMENT_LIMIT must be positive")
        if self.saga_nudge_after <= 0:
            raise ValueError(f"{PREFIX}SAGA_NUDGE_AFTER must be positive")
        if self.replication_factor < 1:
            raise ValueError(f"{PREFIX}REPLICATION_FACTOR must be at least 1")
        if not 0 <= self.fault_handler_failures < 1:
            raise ValueError(f"{PREFIX}FAULT_HANDLER_FAILURES must be within 0..1 (a share)")
        if self.fault_crash_after_sends < 0 or self.restarts < 0:
            raise ValueError(f"{PREFIX}FAULT_CRASH_AFTER_SENDS and {PREFIX}RESTARTS must be >= 0")
        for name, url in (("INVENTORY_URL", self.inventory_url), ("PAYMENT_URL", self.payment_url)):
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"{PREFIX}{name} must be an http:// or https:// URL, not {url!r}")
        self._validate_broker_security()
        self._validate_auth()

    def _validate_broker_security(self) -> None:
        # A credential the protocol would ignore is refused: it was meant to be used.
        protocol = self.broker_security_protocol
        if protocol not in SECURITY_PROTOCOLS:
            choices = ", ".join(SECURITY_PROTOCOLS)
            raise ValueError(f"{PREFIX}BROKER_SECURITY_PROTOCOL must be one of {choices}")
        if protocol.startswith("SASL_"):
            if self.broker_sasl_mechanism not in SASL_MECHANISMS:
                choices = ", ".join(SASL_MECHANISMS)
                raise ValueError(f"{PREFIX}BROKER_SASL_MECHANISM must be one of {choices}")
            if not (self.broker_sasl_username and self.broker_sasl_password):
                raise ValueError(
                    f"{PREFIX}BROKER_SECURITY_PROTOCOL={protocol} needs "
                    f"{PREFIX}BROKER_SASL_USERNAME and {PREFIX}BROKER_SASL_PASSWORD"
                )
        elif self.broker_sasl_username or self.broker_sasl_password:
            raise ValueError(
                f"{PREFIX}BROKER_SASL_USERNAME and {PREFIX}BROKER_SASL_PASSWORD need "
                f"{PREFIX}BROKER_SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL, not {protocol}"
            )
        if self.broker_ca_file and not protocol.endswith("SSL"):
            raise ValueError(
                f"{PREFIX}BROKER_CA_FILE needs {PREFIX}BROKER_SECURITY_PROTOCOL SSL or SASL_SSL, "
                f"not {protocol}"
            )

    def _validate_auth(self) -> None:
        if self.auth not in ("on", "off"):
            raise ValueError(f"{PREFIX}AUTH must be on or off, not {self.auth!r}")
        if self.auth == "off":
            if not self.binds_loopback:
                raise ValueError(
                    f"{PREFIX}AUTH=off is only for a loopback binding, not {PREFIX}WEB_HOST="
                    f"{self.web_host}: anyone who reaches the port could do anything"
                )
            return
        if self.auth_secret and self.auth_jwks:
            raise ValueError(f"give {PREFIX}AUTH_SECRET or {PREFIX}AUTH_JWKS, not both")
        if self.auth_secret and len(self.auth_secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"{PREFIX}AUTH_SECRET must be at least {MIN_SECRET_BYTES} bytes, not "
                f"{len(self.auth_secret.encode())}: make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if not self.binds_loopback and not (self.auth_secret or self.auth_jwks):
            raise ValueError(
                f"{PREFIX}WEB_HOST={self.web_host} reaches beyond this machine: set "
                f"{PREFIX}AUTH_SECRET or {PREFIX}AUTH_JWKS, or no token could be checked"
            )
        allowed = JWKS_ALGORITHMS if self.auth_jwks else SECRET_ALGORITHMS
        unknown = [name for name in self.algorithms if name not in allowed]
        if unknown or not self.algorithms:
            source = "a JWKS" if self.auth_jwks else "a secret"
            raise ValueError(
                f"{PREFIX}AUTH_ALGORITHMS with {source} takes {', '.join(allowed)}, "
                f"not {', '.join(unknown) or 'nothing'}"
            )
        if not 0 <= self.auth_leeway <= 300:
            raise ValueError(f"{PREFIX}AUTH_LEEWAY must be within 0..300 seconds")
        if not self.auth_roles_claim.strip("."):
            raise ValueError(f"{PREFIX}AUTH_ROLES_CLAIM must name a claim")

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The signature algorithms a token may use (never what its header says)."""
        if self.auth_algorithms:
            return tuple(name.strip() for name in self.auth_algorithms.split(",") if name.strip())
        return ("RS256", "ES256") if self.auth_jwks else ("HS256",)

    @property
    def binds_loopback(self) -> bool:
        """Whether the workers listen on this machine only."""
        if self.web_host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.web_host).is_loopback
        except ValueError:  # a host name: it may resolve to anything
            return False

    def port_of(self, service: str) -> int:
        """The web port of the service's first worker: 8070, 8071 or 8072 by default."""
        return self.base_port + SERVICES.index(service)

    def url_of(self, service: str) -> str:
        """The base URL of `service`'s REST API: `OMS_<SERVICE>_URL`, else its first
        worker on this host."""
        configured = {"inventory": self.inventory_url, "payment": self.payment_url}
        return configured.get(service) or f"http://{self.web_host}:{self.port_of(service)}"

    @property
    def broker_host_port(self) -> tuple[str, int]:
        """The first broker's host and port, from a `kafka://host:port[;...]` URL."""
        first = self.broker_url.split("://", 1)[-1].split(";")[0].split(",")[0]
        host, _, port = first.rpartition(":")
        return host or "127.0.0.1", int(port or 9092)
