"""The saga's topics as another client reads them: librdkafka (through confluent-kafka),
not Faust nor aiokafka, finds every record keyed, encoded and typed as the AsyncAPI
document says, so that a consumer in another language can rely on the contract.

Five sagas run through the three services, driven over REST, so that every public saga
topic carries something: an order confirmed, one out of stock, one declined, one
cancelled after its payment and one cancelled before it. A consumer of a fresh group
then reads the saga topics from the start until every event those sagas must have
written is there, and each record is held to the document a worker serves, without a
token, at /asyncapi.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from confluent_kafka import Consumer, KafkaException
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

import topics
from tests.processes import HOST, READY_TIMEOUT_S, Broker, Worker, http, partition_of, poll

SAGA_TOPICS = [
    spec.name for spec in (*topics.ORDER_EVENTS, *topics.INVENTORY_EVENTS, *topics.PAYMENT_OUTCOMES)
]


@dataclass(frozen=True)
class Record:
    """A record as librdkafka hands it over: raw bytes, where it was read."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None

    def json(self) -> Any:
        """The value parsed as JSON; None if it is not JSON."""
        try:
            return json.loads(self.value or b"")
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


def read_with_librdkafka(
    broker: Broker, names: list[str], missing: Callable[[list[Record]], object]
) -> list[Record]:
    """Every record of `names` from the start, in a fresh group, read until `missing(records)`
    is empty (what it still names is reported if that never comes)."""
    consumer = Consumer(
        {
            "bootstrap.servers": f"{HOST}:{broker.port}",
            "group.id": f"contract-{uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    # A topic is made by its first record: the last of a saga (ORDER.CANCELLED_CONFIRMED
    # follows the order's CANCELLED, which REST may show first) may not be there yet.
    while absent := set(names) - set(consumer.list_topics(timeout=5).topics):
        assert time.monotonic() < deadline, (
            f"topics never made within {READY_TIMEOUT_S} s: {absent}"
        )
        time.sleep(0.1)
    consumer.subscribe(names)
    records: list[Record] = []
    try:
        while lacking := missing(records):
            assert time.monotonic() < deadline, f"never read within {READY_TIMEOUT_S} s: {lacking}"
            for message in consumer.consume(num_messages=500, timeout=0.2):
                if message.error():
                    raise KafkaException(message.error())
                records.append(
                    Record(
                        message.topic(),
                        message.partition(),
                        message.offset(),
                        message.key(),
                        message.value(),
                    )
                )
    finally:
        consumer.close()
    return records


def unseen(records: list[Record], expected: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each order of `expected` with the topics it has no record on yet."""
    seen: dict[str, set[str]] = {}
    for record in records:
        value = record.json()
        if isinstance(value, dict):
            seen.setdefault(value.get("order_id", ""), set()).add(record.topic)
    lacking = {order_id: names - seen.get(order_id, set()) for order_id, names in expected.items()}
    return {order_id: names for order_id, names in lacking.items() if names}


def place(order: Worker, product_id: str, token: str) -> str:
    body = {
        "customer_id": "c1",
        "items": [{"product_id": product_id, "quantity": 1}],
        "payment_token": token,
    }
    response = order.post("/orders", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def cancel_once(order: Worker, order_id: str, status: str) -> None:
    """Cancel the order once it is in `status`."""
    poll(lambda: order.get(f"/orders/{order_id}").body["status"] == status, f"{order_id} {status}")
    response = order.delete(f"/orders/{order_id}")
    assert response.status == 202, response.body


def validator(document: dict[str, Any], topic: str) -> Draft202012Validator:
    """The payload schema of the one message `topic`'s channel carries, with its `$ref`s
    resolved in the document's components."""
    (message,) = document["channels"][topic]["messages"].values()
    schema = {"$ref": f"{message['$ref']}/payload", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def services(start_worker: Callable[..., Worker]) -> dict[str, Worker]:
    peers = {service: start_worker(service).wait_ready() for service in ("inventory", "payment")}
    urls = {f"OMS_{service.upper()}_URL": worker.url for service, worker in peers.items()}
    return {"order": start_worker("order", **urls).wait_ready(), **peers}


@pytest.fixture(scope="module")
def sagas(services: dict[str, Worker]) -> dict[str, set[str]]:
    """Five sagas set going over REST: each order, with the topics it must write to.

    Only what each saga is sure to write is named: an order cancelled before its payment
    may be cancelled before the payment is said to be pending, and a refund may overtake
    the commit of the stock it gives back.
    """
    order, inventory = services["order"], services["inventory"]
    shelf, empty = (f"p-{uuid4().hex[:8]}" for _ in range(2))
    inventory.create_product(id=shelf, name="Lamp", price="5.00", stock=10)
    inventory.create_product(id=empty, name="Vase", price="5.00", stock=0)

    confirmed, refunded = place(order, shelf, "tok_ok"), place(order, shelf, "tok_ok")
    out_of_stock, declined = place(order, empty, "tok_ok"), place(order, shelf, "tok_declined")
    unpaid = place(order, shelf, "tok_pending")
    cancel_once(order, refunded, "CONFIRMED")
    cancel_once(order, unpaid, "RESERVED")

    placed = {"ORDER.CREATED", "INVENTORY.RESERVED"}
    cancelled = {"ORDER.CANCEL_REQUESTED", "INVENTORY.STOCK_RELEASED", "ORDER.CANCELLED_CONFIRMED"}
    return {
        confirmed: placed | {"PAYMENT.STATUS_UPDATE", "INVENTORY.STATUS_UPDATE"},
        out_of_stock: {"ORDER.CREATED", "INVENTORY.STATUS_UPDATE"},
        declined: placed | {"PAYMENT.FAIL", "INVENTORY.STOCK_RELEASED"},
        refunded: placed | cancelled | {"PAYMENT.STATUS_UPDATE", "PAYMENT.REFUNDED"},
        unpaid: placed | cancelled | {"PAYMENT.FAIL_CANCEL"},
    }


@pytest.fixture(scope="module")
def records(broker: Broker, sagas: dict[str, set[str]]) -> list[Record]:
    return read_with_librdkafka(broker, SAGA_TOPICS, lambda records: unseen(records, sagas))


@pytest.fixture(scope="module")
def document(services: dict[str, Worker]) -> dict[str, Any]:
    response = http("GET", f"{services['payment'].url}/asyncapi.json", token=None)
    assert response.status == 200, response.body
    return dict(response.body)


def test_the_sagas_put_records_on_every_public_saga_topic(records: list[Record]) -> None:
    assert {record.topic for record in records} == set(SAGA_TOPICS)


def test_every_value_is_a_json_object_whose_type_is_the_topic_it_travels_on(
    records: list[Record],
) -> None:
    untyped = [
        str(record)
        for record in records
        if not isinstance(record.json(), dict) or record.json().get("type") != record.topic
    ]

    assert untyped == []


def test_every_record_is_keyed_by_its_order_id_as_a_json_string_on_the_partition_it_hashes_to(
    records: list[Record], document: dict[str, Any]
) -> None:
    def keyed_as_documented(record: Record) -> bool:
        order_id = record.json()["order_id"]
        partitions = document["channels"][record.topic]["bindings"]["kafka"]["partitions"]
        return (
            document["channels"][record.topic]["x-key"] == "order_id"
            and record.key == json.dumps(order_id).encode()
            and record.partition == partition_of(order_id, partitions)
        )

    assert [str(record) for record in records if not keyed_as_documented(record)] == []


def test_every_value_is_valid_by_the_payload_schema_of_its_channel_in_the_asyncapi_document(
    records: list[Record], document: dict[str, Any]
) -> None:
    validators = {topic: validator(document, topic) for topic in SAGA_TOPICS}

    errors = {
        str(record): best_match(validators[record.topic].iter_errors(record.json())).message
        for record in records
        if not validators[record.topic].is_valid(record.json())
    }

    assert errors == {}


def test_a_value_is_valid_by_its_own_channels_schema_only(
    records: list[Record], document: dict[str, Any]
) -> None:
    validators = {topic: validator(document, topic) for topic in SAGA_TOPICS}

    valid_on = {
        str(record): [topic for topic in SAGA_TOPICS if validators[topic].is_valid(record.json())]
        for record in records
    }

    assert valid_on == {str(record): [record.topic] for record in records}
