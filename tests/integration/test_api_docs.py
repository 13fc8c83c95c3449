"""A real worker serves its OpenAPI document and Swagger UI, and answers as documented."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator

from apps.platform.app import create_app
from tests.integration.conftest import PARTITIONS
from tests.processes import Response, Worker
from tests.tokens import bearer
from web import access
from web.kit import pages
from web.kit.asyncapi import document


@pytest.fixture(scope="module")
def inventory(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker("inventory").wait_ready()


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, content type and raw body of a GET (the helpers in processes read JSON only)."""
    with urllib.request.urlopen(url, timeout=60) as reply:
        return reply.status, reply.headers.get_content_type(), reply.read()


def conforms(spec: dict[str, Any], method: str, path: str, response: Response) -> None:
    """The document lists `response`'s status for `method path`, and its body fits the schema."""
    answers = spec["paths"][path][method]["responses"]
    assert str(response.status) in answers, f"{method} {path} answered {response.status}"
    schema = answers[str(response.status)]["content"]["application/json"]["schema"]
    # The schema's $refs point into the document's components.
    Draft202012Validator({**schema, "components": spec["components"]}).validate(response.body)


def test_a_worker_serves_the_topic_catalogue_with_its_partition_count(inventory: Worker) -> None:
    response = inventory.get("/asyncapi.json")

    assert response.status == 200
    assert response.body == json.loads(json.dumps(document(partitions=int(PARTITIONS))))


def test_a_worker_serves_its_openapi_document(inventory: Worker) -> None:
    status, content_type, raw = fetch(f"{inventory.url}/openapi.json")

    spec = json.loads(raw)
    assert status == 200 and content_type == "application/json"
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"] == "inventory-service"
    assert {"/products", "/reservations", "/health", "/tables"} <= set(spec["paths"])


def test_the_docs_page_loads_swagger_ui_from_the_worker_itself(inventory: Worker) -> None:
    status, content_type, page = fetch(f"{inventory.url}/docs")

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.decode())
    assert status == 200 and content_type == "text/html"
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"} <= set(assets)
    assert {url: fetch(inventory.url + url)[0] for url in assets} == dict.fromkeys(assets, 200)
    assert b'url: "/openapi.json"' in fetch(f"{inventory.url}/docs/init/init.js")[2]
    assert b"<script>" not in page  # the page's policy runs no inline script


def test_the_worker_answers_as_its_document_says(inventory: Worker) -> None:
    spec = json.loads(fetch(f"{inventory.url}/openapi.json")[2])
    product, order = f"p-{uuid4().hex[:10]}", f"o-{uuid4().hex[:10]}"
    new, change = {"id": product, "name": "Lamp", "price": 12.5, "stock": 3}, {"price": "13"}
    add, remove = ({"product_id": product, "quantity": n} for n in (2, 99))
    hold = {"order_id": order, "items": [{"product_id": product, "quantity": 1}]}

    exchanges = [
        (201, "post", "/products", inventory.post("/products", new)),
        (200, "put", "/products/{product_id}", inventory.put(f"/products/{product}", change)),
        (200, "put", "/inventory/add", inventory.put("/inventory/add", add)),
        (409, "put", "/inventory/remove", inventory.put("/inventory/remove", remove)),
        (201, "post", "/reservations", inventory.post("/reservations", hold)),
        (200, "get", "/reservations", inventory.get("/reservations")),
        (200, "get", "/reservations/{order_id}", inventory.get(f"/reservations/{order}")),
        (200, "delete", "/reservations/{order_id}", inventory.delete(f"/reservations/{order}")),
        (200, "get", "/products", inventory.get("/products?limit=5")),
        (200, "get", "/products/{product_id}", inventory.get(f"/products/{product}")),
        (404, "get", "/products/{product_id}", inventory.get("/products/no-such-product")),
        (400, "post", "/products", inventory.post("/products", {"name": ""})),
        (200, "get", "/health", inventory.get("/health")),
        (200, "get", "/tables", inventory.get("/tables")),
        (200, "get", "/tables/{name}", inventory.get("/tables/stock?limit=3")),
        (200, "get", "/tables/{name}/{key}", inventory.get(f"/tables/stock/{product}")),
    ]

    for _, method, path, response in exchanges:
        conforms(spec, method, path, response)
    assert [response.status for *_, response in exchanges] == [row[0] for row in exchanges]


async def test_the_document_swagger_ui_and_metrics_answer_before_the_worker_is_ready() -> None:
    starting = create_app("order")  # never started: it has no partitions yet
    pages.register(starting, access.TABLE)

    async with TestClient(TestServer(starting.web.web_app)) as client:
        gated = await client.get("/tables", headers=bearer())
        spec = await client.get("/openapi.json")
        docs = await client.get("/docs")
        metrics = await client.get("/metrics")

        assert gated.status == 503
        assert spec.status == 200 and (await spec.json())["openapi"] == "3.1.0"
        assert docs.status == 200 and docs.content_type == "text/html"
        assert metrics.status == 200 and metrics.content_type == "text/plain"
        assert "# TYPE oms_events_handled_total counter" in await metrics.text()
