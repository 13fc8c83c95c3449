"""The topic catalogue: an AsyncAPI 3 document from `topics.py`, readers true to what the
agents consume, and a topic table in docs/architecture.md that cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from apps.inventory import app as inventory_app
from apps.order import app as order_app
from apps.payment import app as payment_app
from web.kit.asyncapi import catalogue, document, topic_table

APPS = {"order": order_app, "inventory": inventory_app, "payment": payment_app}
ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"


def consumed() -> dict[str, set[str]]:
    """Each topic, with the services whose agents consume it (from the apps themselves)."""
    readers: dict[str, set[str]] = {}
    for service, app in APPS.items():
        for agent in app.agents.values():
            for topic in agent.channel.topics:
                readers.setdefault(topic, set()).add(service)
    return readers


def refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "$ref"] + [
            ref for v in value.values() for ref in refs(v)
        ]
    if isinstance(value, list):
        return [ref for v in value for ref in refs(v)]
    return []


def resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_each_topic_names_as_readers_exactly_the_services_whose_agents_consume_it() -> None:
    declared = {spec.name: set(spec.readers) for spec in catalogue() if spec.readers}

    assert declared == consumed()


def test_the_document_is_asyncapi_3_with_a_channel_per_topic_and_every_reference_resolving() -> (
    None
):
    doc = document(partitions=8)

    assert doc["asyncapi"].startswith("3.")
    assert set(doc["channels"]) == {spec.name for spec in catalogue()}
    assert all(resolve(doc, ref) for ref in refs(doc))
    orders = doc["channels"]["ORDER.CREATED"]
    assert (orders["x-key"], orders["bindings"]["kafka"]["partitions"]) == ("order_id", 8)
    assert set(orders["messages"]) == {"OrderCreated"}


def test_the_architecture_docs_topic_table_is_the_one_the_code_makes() -> None:
    text = ARCHITECTURE.read_text()
    table = re.search(r"<!-- topics -->\n(.*?)\n<!-- /topics -->", text, re.S)

    assert table is not None, "docs/architecture.md has no <!-- topics --> table"
    assert table.group(1).splitlines() == topic_table()
