"""Bad input at the edges of real workers: each is refused with the documented JSON error,
never a 500, and no number or boolean is guessed from a value of another type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.processes import Worker, http

ORDER = {"customer_id": "c-1", "items": [{"product_id": "p-1", "quantity": 1}]}
#: The methods a client may try on any route: each route serves some, and refuses the rest.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@pytest.fixture(scope="module")
def inventory(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker("inventory").wait_ready()


@pytest.fixture(scope="module")
def orders(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker("order").wait_ready()


@pytest.fixture(scope="module")
def payments(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker("payment").wait_ready()


def product(**fields: Any) -> dict[str, Any]:
    return {"name": "Widget", "price": "2.50", **fields}


def test_a_body_nested_too_deeply_is_a_400(inventory: Worker) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000

    response = http("POST", f"{inventory.url}/products", data=deep)

    assert (response.status, response.body["code"]) == (400, "INVALID_REQUEST")


def test_a_body_that_is_not_in_its_content_encoding_is_a_400(inventory: Worker) -> None:
    response = inventory.post("/products", product(), headers={"Content-Encoding": "gzip"})

    assert (response.status, response.body["code"]) == (400, "INVALID_REQUEST")


def test_a_body_in_a_content_encoding_the_worker_cannot_decode_is_a_415_in_the_error_shape(
    inventory: Worker,
) -> None:
    response = inventory.post("/products", product(id="br-1"), headers={"Content-Encoding": "br"})

    assert (response.status, response.body["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert inventory.get("/products/br-1").status == 404


def test_a_header_too_large_to_read_is_a_400_in_the_error_shape(inventory: Worker) -> None:
    response = http("GET", f"{inventory.url}/products", headers={"X-Large": "a" * 10_000})

    assert (response.status, response.body["code"]) == (400, "INVALID_REQUEST")
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_body_said_to_be_a_form_is_a_415_in_the_error_shape(inventory: Worker) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    response = inventory.post("/products", product(id="form-1"), headers=form)

    assert (response.status, response.body["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert inventory.get("/products/form-1").status == 404


def test_a_body_said_to_be_json_with_a_charset_is_read(inventory: Worker) -> None:
    said = {"Content-Type": "application/json; charset=utf-8"}

    response = inventory.post("/products", product(id="charset-1", stock=1), headers=said)

    assert response.status == 201


def test_an_unknown_route_is_a_404_in_the_error_shape(inventory: Worker) -> None:
    response = inventory.get("/no/such/route")

    assert (response.status, response.body["code"]) == (404, "NOT_FOUND")
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_method_the_route_does_not_have_is_a_405_in_the_error_shape(inventory: Worker) -> None:
    response = http("PATCH", f"{inventory.url}/products")

    assert (response.status, response.body["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert "PATCH" not in response.headers.get("Allow", "")


def allowed(response: Any) -> set[str]:
    """The methods an answer's `Allow` header names."""
    return {method.strip() for method in response.headers.get("Allow", "").split(",")} - {""}


def documented_methods(worker: Worker) -> dict[str, set[str]]:
    """Each path the worker's OpenAPI document lists, with its methods and HEAD where GET is."""
    paths = worker.get("/openapi.json").body["paths"]
    return {
        path: {method.upper() for method in item} | ({"HEAD"} if "get" in item else set())
        for path, item in paths.items()
    }


@pytest.mark.parametrize("service", ["orders", "inventory", "payments"])
def test_a_method_a_route_does_not_list_is_a_405_allowing_only_what_the_document_lists(
    request: pytest.FixtureRequest, service: str
) -> None:
    worker: Worker = request.getfixturevalue(service)
    answers, expected = {}, {}

    for path, methods in documented_methods(worker).items():
        url = worker.url + re.sub(r"{\w+}", "x-1", path)
        for method in sorted(METHODS - methods):
            response = http(method, url)
            code = response.body["code"] if response.body else None
            answers[method, path] = (response.status, code, allowed(response))
            shape = None if method == "HEAD" else "METHOD_NOT_ALLOWED"  # HEAD: no body
            expected[method, path] = (405, shape, methods)

    assert answers == expected


def test_options_on_payment_status_allows_put_alone__and_get_is_no_payment_lookup(
    payments: Worker,
) -> None:
    url = f"{payments.url}/payments/status"

    options, get = http("OPTIONS", url, token=None), http("GET", url)

    assert (options.status, allowed(options)) == (405, {"PUT"})
    assert (get.status, get.body["code"], allowed(get)) == (405, "METHOD_NOT_ALLOWED", {"PUT"})


@pytest.mark.parametrize(
    "fields",
    [{"stock": "2"}, {"stock": True}, {"stock": 2.5}, {"active": 0}, {"active": "true"}],
    ids=[
        "stock as a string",
        "stock as a boolean",
        "stock as a float",
        "active as 0",
        "active as a string",
    ],
)
def test_a_value_of_the_wrong_type_is_refused_rather_than_converted(
    inventory: Worker, fields: dict[str, Any]
) -> None:
    response = inventory.post("/products", product(**fields))

    assert (response.status, response.body["details"][0]["field"]) == (400, next(iter(fields)))


@pytest.mark.parametrize("quantity", [True, "2", 1.5], ids=["boolean", "string", "float"])
def test_an_order_line_quantity_must_be_an_integer(orders: Worker, quantity: object) -> None:
    body = {**ORDER, "items": [{"product_id": "p-1", "quantity": quantity}]}

    response = orders.post("/orders", body)

    assert (response.status, response.body["details"][0]["field"]) == (400, "items.0.quantity")


def test_a_negative_zero_price_is_stored_as_zero(inventory: Worker) -> None:
    created = inventory.create_product(**product(price="-0.00"))

    assert created["price"] == "0.00"
    assert inventory.get(f"/products/{created['id']}").body["price"] == "0.00"
