"""The topic catalogue from code: an AsyncAPI 3 document built from `topics.py` and the
models, served at `GET /asyncapi.json`, and docs/architecture.md's topic table likewise."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from faust.web import Request, Response
from pydantic.json_schema import models_json_schema

import topics
from apps.platform.settings import SERVICES
from models.base import Model
from models.versions import HEADER, label_of
from web.kit.base import ServiceView
from web.kit.openapi import Operation

ASYNCAPI_VERSION = "3.0.0"
SCHEMA_REF = "#/components/schemas/{model}"
DESCRIPTION = (
    "Every topic of the order-management saga and of each service's own agents: what "
    "travels on it, under which key, who writes it and who reads it. Values and keys are "
    "JSON; a key is the value's field the topic names."
)


def catalogue() -> list[topics.TopicSpec]:
    """Every topic: the routed ones, then each service's dead letters."""
    return [*topics.ALL, *(topics.dead_letters(service) for service in SERVICES)]


def document(partitions: int, replicas: int = 1) -> dict[str, Any]:
    """The AsyncAPI 3 document of every topic, each with `partitions` and `replicas`."""
    specs = catalogue()
    models = sorted({m for spec in specs for m in spec.carries()}, key=lambda m: m.__name__)
    _, schemas = models_json_schema(
        [(model, "validation") for model in models], ref_template=SCHEMA_REF
    )
    channels = {spec.name: channel(spec, partitions, replicas) for spec in specs}
    operations = {
        f"{verb} {spec.name}": {
            "action": action,
            "channel": {"$ref": f"#/channels/{spec.name}"},
            "summary": f"{', '.join(who)} {verb} it",
        }
        for spec in specs
        for verb, action, who in (
            ("writes", "send", [spec.writer.split(":")[0]]),
            ("reads", "receive", list(spec.readers)),
        )
        if who
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "oms topics", "version": version("oms"), "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "messages": {model.__name__: message(model) for model in models},
        },
    }


def message(model: type[Model]) -> dict[str, Any]:
    """A message of `model`: its payload, and the version its header names (evolution.md)."""
    label = str(label_of(model))
    return {
        "name": model.__name__,
        "title": f"{model.__name__}, schema version {model.schema_version}",
        "headers": {
            "type": "object",
            "properties": {
                HEADER: {
                    "const": label,
                    "description": "The record's schema and version: the file "
                    f"models/schemas/{label}.json. A record without it is version 1.",
                }
            },
        },
        "payload": {"$ref": SCHEMA_REF.format(model=model.__name__)},
        "x-schema-version": model.schema_version,
    }


def channel(spec: topics.TopicSpec, partitions: int, replicas: int) -> dict[str, Any]:
    messages = {m.__name__: {"$ref": f"#/components/messages/{m.__name__}"} for m in spec.carries()}
    return {
        "address": spec.name,
        "description": f"Keyed by `{spec.key}`; written by {spec.writer}; "
        f"read by {', '.join(spec.readers) or 'no service'}.",
        "messages": messages,
        "bindings": {"kafka": {"topic": spec.name, "partitions": partitions, "replicas": replicas}},
        "x-key": spec.key,
        "x-writer": spec.writer,
        "x-readers": list(spec.readers),
    }


def topic_table() -> list[str]:
    """The topic table of docs/architecture.md: a row per topic."""
    rows = ["| topic | key | carries | written by | read by |", "|---|---|---|---|---|"]
    for spec in catalogue():
        carried = ", ".join(model.__name__ for model in spec.carries())
        readers = ", ".join(spec.readers) or "(nobody yet)"
        rows.append(f"| `{spec.name}` | `{spec.key}` | {carried} | {spec.writer} | {readers} |")
    return rows


def register(app: Any) -> None:
    @app.page("/asyncapi.json")
    class AsyncApi(ServiceView):
        serves_before_ready = True

        @Operation("The topic catalogue: an AsyncAPI 3 document of every topic", {200: None})
        async def get(self, request: Request) -> Response:
            return self.json(document(app.settings.partitions, app.settings.replication_factor))
