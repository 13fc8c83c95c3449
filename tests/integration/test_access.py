"""The authorization table, route by route and role by role, on real workers over HTTP.

Every (method, route) of `web.access.TABLE` is asked of the service that serves it with
no token, and as a customer, an operator and a payment processor. A public route
answers anyone; otherwise no token is 401 with `WWW-Authenticate: Bearer`, a role the
table does not name is 403 FORBIDDEN, and a role it names gets past the gate (whatever
the view then answers). The requests are generated from the table, and every route a
worker documents must be in it, so a new route without an entry fails here.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.client import HTTPConnection
from time import time
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from apps.platform.settings import Settings
from apps.platform.tokens import mint
from models.actors import ROLES
from tests.processes import Worker, http
from tests.tokens import token
from web.access import TABLE

CUSTOMER = "c-matrix"
#: How each caller presents itself: no token, or a token of one role.
CALLERS: dict[str, str | None] = {
    "anonymous": None,
    **{role: token(role, CUSTOMER if role == "customer" else None) for role in ROLES},
}
#: The routes every service serves; the others belong to the service of their first segment.
SHARED = ("/health", "/openapi.json", "/asyncapi.json", "/docs", "/metrics", "/tables", "/dead-")
OWNER = {"orders": "order", "ui": "order", "": "order", "products": "inventory"}
OWNER |= {"inventory": "inventory", "reservations": "inventory", "payments": "payment"}
#: A file under each directory of files the workers serve.
FILES = {
    "/docs/assets": "/docs/assets/swagger-ui.css",
    "/docs/init": "/docs/init/init.js",
    "/ui/assets": "/ui/assets/saga.js",
}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def ask(url: str, method: str, path: str, body: Any, bearer: str | None) -> Answer:
    """One request; a stream's body is not read (it would not end)."""
    target = urlsplit(url)
    connection = HTTPConnection(target.hostname, target.port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    try:
        data = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        answered = dict(response.getheaders())
        streaming = answered.get("Content-Type", "").startswith("text/event-stream")
        raw = b"" if streaming else response.read()
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return Answer(response.status, answered, parsed)


def service_of(route: str) -> tuple[str, ...]:
    if route.startswith(SHARED):
        return ("order", "inventory", "payment")
    return (OWNER[route.split("/")[1]],)


@pytest.fixture(scope="module")
def services(start_worker: Callable[..., Worker]) -> dict[str, Worker]:
    peers = {name: start_worker(name).wait_ready() for name in ("inventory", "payment")}
    urls = {f"OMS_{name.upper()}_URL": worker.url for name, worker in peers.items()}
    return {"order": start_worker("order", **urls).wait_ready(), **peers}


@pytest.fixture(scope="module")
def objects(services: dict[str, Worker]) -> dict[str, str]:
    """A product, and an order of the matrix's customer with its payment, for the paths."""
    product = services["inventory"].create_product(name="lamp", price="5.00", stock=100)["id"]
    order = {"customer_id": CUSTOMER, "items": [{"product_id": product, "quantity": 1}]}
    placed = services["order"].post("/orders", order, token=CALLERS["customer"])
    assert placed.status == 201, placed.body
    order_id = placed.body["id"]
    settled = services["order"].get(f"/orders/{order_id}?wait=20").body
    assert settled["status"] == "CONFIRMED", settled
    return {
        "order_id": order_id,
        "payment_id": f"pay-{order_id}",
        "product_id": product,
        "name": "orders",
        "key": order_id,
        "service": "inventory",
    }


def path_of(route: str, objects: dict[str, str]) -> str:
    """A path of `route` naming the matrix's own objects."""
    if route in FILES:
        return FILES[route]
    return re.sub(r"{(\w+)}", lambda name: objects[name.group(1)], route)


def body_of(method: str, route: str, objects: dict[str, str]) -> Any:
    """A body the route can take, made for the matrix's customer."""
    if method in ("GET", "DELETE"):
        return None
    line = [{"product_id": objects["product_id"], "quantity": 1}]
    return {
        "/orders": {"customer_id": CUSTOMER, "items": line},
        "/payments": {"order_id": objects["order_id"], "amount": "5.00"},
        "/payments/status": {"payment_id": objects["payment_id"], "status": "COMPLETED"},
        "/products": {"name": "spare", "price": "1.00"},
        "/reservations": {"order_id": "hold-matrix", "items": line},
    }.get(route, {"product_id": objects["product_id"], "quantity": 1, "price": "6.00"})


def cases() -> Iterator[tuple[str, str, str]]:
    for method, route in sorted(TABLE):
        for caller in CALLERS:
            yield method, route, caller


@pytest.mark.parametrize(("method", "route", "caller"), list(cases()))
def test_each_route_answers_each_caller_as_the_table_says(
    services: dict[str, Worker], objects: dict[str, str], method: str, route: str, caller: str
) -> None:
    rule = TABLE[method, route]
    for service in service_of(route):
        url = services[service].url
        answer = ask(
            url, method, path_of(route, objects), body_of(method, route, objects), CALLERS[caller]
        )
        seen = f"{method} {route} as {caller} on {service}: {answer.status} {answer.body}"
        if rule.public:
            assert answer.status not in (401, 403), seen
        elif caller == "anonymous":
            assert answer.status == 401, seen
            assert answer.headers["WWW-Authenticate"].startswith("Bearer"), seen
            assert answer.body["code"] == "UNAUTHORIZED", seen
        elif caller in rule.roles:
            assert answer.status not in (401, 403), seen
        else:
            assert (answer.status, answer.body["code"]) == (403, "FORBIDDEN"), seen
        assert answer.status < 500, seen


def test_every_route_a_worker_documents_is_in_the_table(services: dict[str, Worker]) -> None:
    for name, worker in services.items():
        document = worker.get("/openapi.json", token=None).body
        served = {(m.upper(), path) for path, item in document["paths"].items() for m in item}
        assert served - TABLE.keys() == set(), name


def forged(claims: dict[str, Any]) -> dict[str, str]:
    """Tokens an attacker could make: signed with another key, unsigned, or altered."""

    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    genuine = token("customer", "c-forger")
    header, _, signature = genuine.split(".")
    return {
        "another key": jwt.encode(claims, "another-secret-of-at-least-32-bytes!", "HS256"),
        "alg none": f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}.",
        "a changed payload": f"{header}.{segment(claims)}.{signature}",
    }


@pytest.mark.parametrize("forgery", ["another key", "alg none", "a changed payload"])
def test_a_forged_token_is_refused_as_invalid(services: dict[str, Worker], forgery: str) -> None:
    genuine = jwt.decode(token("customer", "c-forger"), options={"verify_signature": False})
    claims = {**genuine, "roles": ["operator"]}
    answer = ask(services["order"].url, "GET", "/orders", None, forged(claims)[forgery])

    assert answer.status == 401, answer.body
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="oms", error="invalid_token"'


def test_a_refused_token_is_logged_with_why_but_never_itself(services: dict[str, Worker]) -> None:
    settings = Settings.from_env()
    expired = mint(
        settings, settings.auth_secret, "operator", "late", timedelta(hours=1), now=time() - 7200
    )
    answer = ask(services["payment"].url, "GET", "/payments", None, expired)

    assert answer.status == 401
    assert answer.body["error"] == "the token is not accepted: expired"
    log = services["payment"].log.read_text()
    assert "refused a token for GET /payments from 127.0.0.1: expired" in log
    assert expired not in log


def test_answers_with_a_customers_data_are_not_stored_and_name_no_versions(
    services: dict[str, Worker], objects: dict[str, str]
) -> None:
    answer = http("GET", f"{services['order'].url}/orders/{objects['order_id']}")

    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Server"] == "oms"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    public = http("GET", f"{services['inventory'].url}/products", token=None)
    assert public.status == 200 and "Cache-Control" not in public.headers
