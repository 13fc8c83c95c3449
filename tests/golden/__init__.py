"""Golden records: real records of every topic and table, kept forever (docs/evolution.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from apps.inventory.app import app as inventory_app
from apps.order.app import app as order_app
from apps.payment.app import app as payment_app
from models.base import Model
from models.records import RECORDS
from models.versions import RecordReader, parse_label
from web.kit.asyncapi import catalogue

#: One JSON object a line: release, topic, header, key and value as written, and what
#: the value read as when it was added (`reads_as`). Added to, never rewritten.
RECORDS_FILE = Path(__file__).with_name("records.jsonl")
BY_NAME: dict[str, type[Model]] = {record.__name__: record for record in RECORDS}
#: A reply topic's name is the asking worker's own: its records are one kind.
REPLY_TOPIC = "(reply topic)"
#: What each changelog holds, as the services' tables say (a record without a label is
#: read by its topic).
CHANGELOGS: dict[str, type[Model]] = {
    table.changelog_topic.get_topic_name(): table.value_type
    for app in (order_app, inventory_app, payment_app)
    for table in app.tables.values()
}
TOPICS = {spec.name: spec for spec in catalogue()}


def golden() -> Iterator[dict[str, Any]]:
    for line in RECORDS_FILE.read_text().splitlines():
        if line.strip():
            yield json.loads(line)


def kind_of(record: dict[str, Any]) -> tuple[str, str]:
    """What makes a record a kind of its own: its topic and its label (without one, the
    `type` its value names, if any)."""
    topic = REPLY_TOPIC if record["topic"].startswith("f-reply-") else record["topic"]
    if record["header"]:
        return topic, record["header"]
    value = record["value"]
    return topic, f"unlabelled {value.get('type', '')}".strip() if isinstance(value, dict) else ""


def readable(record: dict[str, Any]) -> bool:
    """Whether a record is one a release wrote that can be read knowing only its topic and
    header: not a reply without a label (which answer it is, only its asker knew), nor
    a label of a version no release has written (a test's own)."""
    label = parse_label(record["header"])
    if label is not None:
        return label.name in BY_NAME and label.version <= BY_NAME[label.name].schema_version
    topic = kind_of(record)[0]
    return topic in TOPICS or topic in CHANGELOGS


def read(record: dict[str, Any]) -> dict[str, Any]:
    """What a golden record reads as today, as JSON (a reply: the answer it carries)."""
    topic, header = kind_of(record)[0], record["header"] or ""
    value = record["value"]
    if topic == REPLY_TOPIC:
        value = value["value"]  # inside Faust's response
    label = parse_label(header)
    if label is not None:
        reader = RecordReader(BY_NAME[label.name])
    elif topic in CHANGELOGS:
        reader = RecordReader(CHANGELOGS[topic])
    else:
        reader = TOPICS[topic].wire().reader  # type: ignore[attr-defined]
    model = reader.read(json.dumps(value), header or None)
    return dict(model.model_dump(mode="json"))
