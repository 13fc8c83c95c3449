"""Real processes for integration tests: a Tansu broker and service workers on free ports."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import aiokafka
from aiokafka.partitioner import murmur2
from faust.utils import json as faust_json

from apps.cli import check
from apps.cli.bench.metrics import counter_sum, samples
from apps.cli.broker import broker_command, free_port, wait_until_listening
from apps.cli.workers import worker_command
from apps.platform.settings import Settings
from tests.tokens import token as signed

#: The token every request of the tests carries unless told otherwise.
OPERATOR = signed("operator")

HOST = "127.0.0.1"
#: Bounds on waiting; generous, because a slow machine must not fail a test.
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
#: The log line of a restore (apps/platform/restoring.py): records read, of those held.
RESTORED = re.compile(r"restored (\d+) changelog records of (\d+) on")


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = OPERATOR,
) -> Response:
    """One HTTP request as the bearer of `token` (an operator's unless told; None: no
    token); the JSON body parsed, whatever the status."""
    if body is not None:
        data = json.dumps(body).encode()
    headers = dict(headers or {})
    if token is not None:
        headers.setdefault("Authorization", f"Bearer {token}")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    if not request.has_header("Content-type"):  # urllib's spelling of the header
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            status, raw, headers = reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    return Response(status, json.loads(raw) if raw else None, headers)


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the process group; kill it if it has not gone within the bound."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Broker:
    """Tansu on a free loopback port, keeping topics in memory."""

    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    #: Every broker started and not yet stopped (what `tests.losses` reads).
    running: ClassVar[list[Broker]] = []

    @property
    def url(self) -> str:
        return f"kafka://{HOST}:{self.port}"

    def start(self) -> Broker:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                broker_command(HOST, self.port), stdout=log, stderr=log, start_new_session=True
            )
        process = self.process
        wait_until_listening(HOST, self.port, timeout=30, alive=lambda: process.poll() is None)
        Broker.running.append(self)
        return self

    def stop(self) -> None:
        Broker.running[:] = [broker for broker in Broker.running if broker is not self]
        if self.process is not None:
            stop_process(self.process)


@dataclass
class Worker:
    """One service worker (`faust -A apps.<service> worker`) with its own port and data dir."""

    service: str
    broker: Broker
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / f"{self.service}-{self.port}.log"

    def start(self) -> Worker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "OMS_BROKER_URL": self.broker.url,
            "OMS_DATA_DIR": str(self.data_dir),
            **self.env,
        }
        # The command line carries what the environment sets of the log, as in `oms up`.
        settings = Settings.from_env(env)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(settings),
                cwd=self.code,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        return self

    @property
    def code(self) -> Path | None:
        """Where the worker runs, so that `-m faust -A apps.x` imports this code (None:
        the tests' own directory, this checkout)."""
        return None

    def command(self, settings: Settings) -> list[str]:
        """The worker's command line, logging as `settings` say."""
        return worker_command(self.service, self.port, settings.log_level, settings.log_format)

    def wait_ready(self) -> Worker:
        """Poll /health until it answers 200; fail with the log's tail if the worker died."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.tail()
            try:
                if http("GET", f"{self.url}/health").status == 200:
                    return self
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        raise AssertionError(f"{self.service} not ready in {READY_TIMEOUT_S} s\n{self.tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None:
            stop_process(self.process, sig)

    def counter(self, name: str) -> float:
        """The sum of the worker's counter `name` over its labels, from its /metrics."""
        return counter_sum(self.metrics(), name) or 0.0

    def samples(self, name: str) -> list[float]:
        """The values of the worker's metric `name`, one for each set of labels."""
        return [sample.value for sample in samples(self.metrics(), name)]

    def restores(self) -> list[tuple[int, int]]:
        """Each restore its log tells of (apps/platform/restoring.py): the changelog
        records read, and those held on the partitions it was assigned."""
        found = RESTORED.findall(self.log.read_text(errors="replace"))
        return [(int(read), int(held)) for read, held in found]

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=60) as reply:
            return str(reply.read().decode())

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def get(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return http("GET", self.url + path, body, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return http("POST", self.url + path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return http("PUT", self.url + path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return http("DELETE", self.url + path, **kwargs)

    def create_product(self, **fields: Any) -> dict[str, Any]:
        """POST /products with `fields`, which must answer 201; the product created."""
        response = self.post("/products", fields)
        assert response.status == 201, response.body
        return dict(response.body)

    def level(self, product_id: str) -> tuple[int, int, int]:
        """A product's stock as (available, reserved, sold)."""
        product = self.get(f"/products/{product_id}").body
        return product["available"], product["reserved"], product["sold"]


def publish(
    broker: Broker,
    topic: str,
    records: list[tuple[str, Any]],
    headers: dict[str, str] | None = None,
) -> None:
    """Produce `(key, value)` records to `topic` in one burst, JSON-encoded like Faust does,
    each with `headers`."""
    encoded = [(name, value.encode()) for name, value in (headers or {}).items()]

    async def produce() -> None:
        producer = aiokafka.AIOKafkaProducer(bootstrap_servers=f"{HOST}:{broker.port}")
        await producer.start()
        try:
            batch = [
                producer.send(
                    topic,
                    key=json.dumps(key).encode(),
                    value=json_bytes(value),
                    headers=encoded or None,
                )
                for key, value in records
            ]
            await asyncio.gather(*(await asyncio.gather(*batch)))
        finally:
            await producer.stop()

    asyncio.run(produce())


def json_bytes(value: Any) -> bytes:
    return faust_json.dumps(value).encode() if not isinstance(value, bytes) else value


def partition_of(key: str, partitions: int) -> int:
    """The partition a JSON key lands on (Kafka's default partitioner)."""
    return (murmur2(json.dumps(key).encode()) & 0x7FFFFFFF) % partitions


def keys_on_distinct_partitions(prefix: str, count: int, partitions: int) -> list[str]:
    """`count` keys starting with `prefix`, each on a partition of its own."""
    found: dict[int, str] = {}
    n = 0
    while len(found) < count:
        key = f"{prefix}-{n}"
        found.setdefault(partition_of(key, partitions), key)
        n += 1
    return list(found.values())


def read_events(
    broker: Broker,
    topics: list[str],
    until: Callable[[list[dict[str, Any]]], bool] | None = None,
) -> list[dict[str, Any]]:
    """Every JSON value on `topics` from the start: once `until(values)` holds, or, without
    `until`, once every partition is read to its high watermark (all there is now)."""

    async def consume() -> list[dict[str, Any]]:
        consumer = from_the_start(broker, *topics)
        await consumer.start()
        values: list[dict[str, Any]] = []
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while not (until(values) if until else await read_to_the_end(consumer)):
                assert time.monotonic() < deadline, f"not seen in time; got {values}"
                batches = await consumer.getmany(timeout_ms=200)
                values += [json.loads(r.value) for batch in batches.values() for r in batch]
        finally:
            await consumer.stop()
        return values

    return asyncio.run(consume())


def from_the_start(broker: Broker, *topics: str) -> aiokafka.AIOKafkaConsumer:
    """A consumer of `topics` on `broker` in no group, reading from the first record."""
    return aiokafka.AIOKafkaConsumer(
        *topics,
        bootstrap_servers=f"{HOST}:{broker.port}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=10,
    )


async def read_to_the_end(consumer: aiokafka.AIOKafkaConsumer) -> bool:
    """Whether every assigned partition has been read up to its high watermark."""
    assignment = consumer.assignment()
    if not assignment:
        return False
    for tp in assignment:
        highwater = consumer.highwater(tp)
        if highwater is None or await consumer.position(tp) < highwater:
            return False
    return True


def free_base_port() -> int:
    """Three ports in a row that nothing holds, for the three services: below the range
    the kernel hands out to outgoing connections, so none can take one meanwhile."""
    while True:
        base = random.randrange(20_000, 32_000)
        if all(can_bind(base + n) for n in range(3)):
            return base


def can_bind(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def poll(check: Callable[[], bool], what: str = "the condition") -> None:
    """Return once `check()` holds; fail naming `what` if it never does within the bound."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not check():
        assert time.monotonic() < deadline, f"{what} never held within {READY_TIMEOUT_S} s"
        time.sleep(0.05)


def check_holds(order_url: str, inventory_url: str, payment_url: str) -> None:
    """Wait until `oms check` holds against the three services (the lines if it never does).

    A worker may still be replaying what a killed worker had done but not committed (the
    events went out, the table writes did not): the check holds once it catches up.
    """
    lines: list[str] = []
    deadline = time.monotonic() + READY_TIMEOUT_S
    urls = (order_url, inventory_url, payment_url)
    while check.run(*urls, timedelta(seconds=120), emit=lines.append) != 0:
        assert time.monotonic() < deadline, lines
        lines.clear()
        time.sleep(0.2)
