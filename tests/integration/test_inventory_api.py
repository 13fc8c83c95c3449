"""The inventory REST API over real HTTP, on a real worker and broker."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest

from tests.processes import Worker


@pytest.fixture(scope="module")
def inventory(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker("inventory").wait_ready()


def new_id() -> str:
    return f"p-{uuid4().hex[:10]}"


def create(inventory: Worker, **fields: object) -> dict[str, object]:
    defaults = {"id": new_id(), "name": "Widget", "price": "19.90", "stock": 5}
    return inventory.create_product(**{**defaults, **fields})


def test_creating_a_product_answers_201_with_its_location_and_state(inventory: Worker) -> None:
    response = inventory.post(
        "/products", {"id": "lamp-1", "name": "Lamp", "price": 12.5, "stock": 3}
    )

    assert response.status == 201
    assert response.headers["Location"] == "/products/lamp-1"
    assert response.body == {
        **response.body,
        "id": "lamp-1", "name": "Lamp", "description": "", "price": "12.50",
        "active": True, "available": 3, "reserved": 0, "sold": 0,
    }  # fmt: skip
    assert inventory.get("/products/lamp-1").body == response.body


def test_a_product_without_an_id_gets_one(inventory: Worker) -> None:
    response = inventory.post("/products", {"name": "Anonymous", "price": 1})

    assert response.status == 201
    assert inventory.get(f"/products/{response.body['id']}").status == 200


def test_creating_an_existing_id_is_a_conflict(inventory: Worker) -> None:
    product = create(inventory)

    response = inventory.post("/products", {"id": product["id"], "name": "Again", "price": 1})

    assert response.status == 409
    assert response.body["code"] == "PRODUCT_EXISTS"
    assert inventory.get(f"/products/{product['id']}").body["name"] == "Widget"


def test_updating_a_product_changes_only_the_given_fields(inventory: Worker) -> None:
    product = create(inventory)

    response = inventory.put(f"/products/{product['id']}", {"price": "21", "active": False})

    assert response.status == 200
    assert (response.body["price"], response.body["active"]) == ("21.00", False)
    assert (response.body["name"], response.body["available"]) == ("Widget", 5)
    assert inventory.get(f"/products/{product['id']}").body == response.body


def test_adding_and_removing_stock_answers_the_new_levels(inventory: Worker) -> None:
    product = create(inventory, stock=5)
    change = {"product_id": product["id"], "quantity": 3}

    assert inventory.put("/inventory/add", change).body["available"] == 8
    assert inventory.put("/inventory/remove", change).body["available"] == 5
    assert inventory.get(f"/products/{product['id']}").body["available"] == 5


def test_removing_more_than_available_is_a_conflict_that_changes_nothing(
    inventory: Worker,
) -> None:
    product = create(inventory, stock=2)

    response = inventory.put("/inventory/remove", {"product_id": product["id"], "quantity": 3})

    assert response.status == 409
    assert response.body["code"] == "INSUFFICIENT_STOCK"
    assert inventory.get(f"/products/{product['id']}").body["available"] == 2


def test_concurrent_stock_changes_are_all_applied(inventory: Worker) -> None:
    product = create(inventory, stock=0)
    change = {"product_id": product["id"], "quantity": 1}

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(lambda _: inventory.put("/inventory/add", change).status, range(40))
        )

    assert statuses == [200] * 40
    assert inventory.get(f"/products/{product['id']}").body["available"] == 40


def test_listing_filters_by_active_and_pages_newest_first(inventory: Worker) -> None:
    tag = uuid4().hex[:6]
    ids = [create(inventory, id=f"list-{tag}-{n}", active=n % 2 == 0)["id"] for n in range(5)]

    everything = inventory.get("/products?limit=1000").body
    inactive = inventory.get("/products?active=false&limit=1000").body
    page = inventory.get("/products?limit=2&offset=1").body

    listed = [item["id"] for item in everything["items"] if item["id"] in ids]
    assert listed == ids[::-1]
    assert everything["total"] == len(everything["items"])
    assert {item["id"] for item in inactive["items"]} >= {ids[1], ids[3]}
    assert all(not item["active"] for item in inactive["items"])
    assert page["items"] == everything["items"][1:3]
    assert (page["limit"], page["offset"], page["total"]) == (2, 1, everything["total"])


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"),
    [
        ("POST", "/products", {"name": "", "price": -1}, {"name", "price"}),
        ("POST", "/products", {"name": "x", "price": 1, "colour": "red"}, {"colour"}),
        ("POST", "/products", {"id": "has space", "name": "x", "price": 1}, {"id"}),
        ("PUT", "/inventory/add", {"product_id": "p", "quantity": 0}, {"quantity"}),
        ("PUT", "/inventory/remove", {"quantity": 1}, {"product_id"}),
        ("PUT", "/products/anything", {"price": "1.234"}, {"price"}),
    ],
)
def test_an_invalid_body_is_400_naming_each_bad_field(
    inventory: Worker, method: str, path: str, body: dict[str, object], fields: set[str]
) -> None:
    response = (inventory.post if method == "POST" else inventory.put)(path, body)

    assert response.status == 400
    assert response.body["code"] == "INVALID_REQUEST"
    assert {detail["field"] for detail in response.body["details"]} == fields


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(inventory: Worker, data: bytes) -> None:
    response = inventory.post("/products", data=data)

    assert response.status == 400
    assert response.body["code"] == "INVALID_REQUEST"


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "offset=-1", "active=maybe", "x=1"])
def test_an_invalid_query_is_400(inventory: Worker, query: str) -> None:
    response = inventory.get(f"/products?{query}")

    assert response.status == 400
    assert response.body["details"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/products/no-such-product", None),
        ("GET", "/products/not%20an%20id", None),
        ("PUT", "/products/no-such-product", {"price": 1}),
        ("PUT", "/inventory/add", {"product_id": "no-such-product", "quantity": 1}),
        ("PUT", "/inventory/remove", {"product_id": "no-such-product", "quantity": 1}),
    ],
)
def test_an_unknown_product_is_404(
    inventory: Worker, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = inventory.get(path) if method == "GET" else inventory.put(path, body)

    assert response.status == 404
    assert response.body["code"] == "NOT_FOUND"


def test_a_body_over_one_mebibyte_is_413(inventory: Worker) -> None:
    response = inventory.post("/products", data=b"{" + b" " * (1024 * 1024 + 1) + b"}")

    assert response.status == 413
    assert response.body["code"] == "PAYLOAD_TOO_LARGE"


def test_health_says_ready(inventory: Worker) -> None:
    response = inventory.get("/health")

    assert response.status == 200
    assert response.body["status"] == "ready"
