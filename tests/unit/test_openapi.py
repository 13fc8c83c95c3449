"""Each service's OpenAPI document: valid 3.1, its routes both ways, and true to its views."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.web import StaticResource
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel, ValidationError

from apps.inventory import app as inventory_app
from apps.order import app as order_app
from apps.payment import app as payment_app
from models.inventory import PublicProduct
from models.orders import Change, NewOrder, PublicOrder
from models.payments import NewPayment, PublicPayment
from models.reservations import NewReservation, PublicReservation
from models.responses import ErrorBody
from tests.unit.values import NOW, a_payment, a_product, a_reservation, an_order
from web.access import TABLE
from web.kit.errors import ApiError, Overloaded, Unauthorized
from web.kit.openapi import document, operations, pages

APPS = {"order": order_app, "inventory": inventory_app, "payment": payment_app}


@pytest.fixture(scope="module", autouse=True)
def views() -> None:
    """Each app's views, found as a worker finds them when it starts (autodiscovery)."""
    for app in APPS.values():
        app.discover()


@pytest.fixture(params=sorted(APPS))
def app(request: pytest.FixtureRequest) -> Any:
    return APPS[request.param]


def routed(app: Any) -> set[tuple[str, str]]:
    """What the app's router answers: (path, method) of every page Faust registered."""
    return {
        (route.resource.canonical, route.method)
        for route in app.web.web_app.router.routes()
        # Faust answers HEAD on every page; Swagger UI's files are not an API.
        if route.method != "HEAD" and not isinstance(route.resource, StaticResource)
    }


def documented(app: Any) -> set[tuple[str, str]]:
    paths = document(app)["paths"]
    return {(path, method.upper()) for path, item in paths.items() for method in item}


def body_schema(app: Any, method: str, path: str) -> dict[str, Any]:
    """The schema the document gives the request body of `method` `path`."""
    spec = document(app)
    ref = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return dict(spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]])


def parsed_models(method: Callable[..., Any]) -> dict[str, type[BaseModel]]:
    """The models a view method hands to `self.query` and `self.body`, read from its code."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    return {
        call.func.attr: method.__globals__[call.args[1].id]
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in {"query", "body"}
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
        and len(call.args) == 2
        and isinstance(call.args[1], ast.Name)
    }


def test_each_service_serves_a_valid_openapi_3_1_document(app: Any) -> None:
    spec = document(app)

    OpenAPIV31SpecValidator(spec).validate()
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"] == app.conf.id


def test_the_document_has_every_route_the_service_registers_and_no_other(app: Any) -> None:
    assert routed(app) - documented(app) == set(), "registered but not documented"
    assert documented(app) - routed(app) == set(), "documented but not registered"


def test_each_service_documents_its_own_api_health_tables_docs_and_metrics(app: Any) -> None:
    own = {"order": "/orders", "inventory": "/products", "payment": "/payments"}

    paths = set(document(app)["paths"])

    assert {"/health", "/tables", "/tables/{name}", "/openapi.json", "/docs", "/metrics"} <= paths
    assert {path for path in own.values() if path in paths} == {own[app.service]}


def test_each_operation_declares_the_query_and_body_its_view_parses(app: Any) -> None:
    for path, view in pages(app).items():
        for method, operation in operations(view).items():
            declared = {"query": operation.query, "body": operation.body}

            parsed = parsed_models(getattr(type(view), method))

            assert parsed == {k: v for k, v in declared.items() if v}, f"{method} {path}"


def test_every_error_answer_is_documented_with_the_error_body() -> None:
    statuses = {error.status for error in ApiError.__subclasses__()}

    errors = [
        (status, answer)
        for app in APPS.values()
        for path, item in document(app)["paths"].items()
        if path != "/health"  # its 503 is a health report
        for operation in item.values()
        for status, answer in operation["responses"].items()
        if int(status) >= 400
    ]

    assert {int(status) for status, _ in errors} == statuses
    assert all(
        answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
        for _, answer in errors
    )


def test_a_refusal_for_overload_documents_when_to_ask_again() -> None:
    post = document(order_app)["paths"]["/orders"]["post"]

    assert set(post["responses"]["429"]["headers"]) == {"Retry-After"}
    assert Overloaded("busy").headers() == {"Retry-After": "1"}


@pytest.mark.parametrize("error", ApiError.__subclasses__(), ids=lambda error: error.__name__)
def test_an_error_renders_as_the_documented_error_body(error: type[ApiError]) -> None:
    refusal = error("refused")
    refusal.details = [{"field": "items.0.quantity"}]
    body = refusal.body()

    assert ErrorBody.model_validate(body).model_dump(mode="json") == body


def test_a_refusal_for_no_token_names_the_bearer_scheme__and_an_invalid_token_says_so() -> None:
    assert Unauthorized("no token").headers() == {"WWW-Authenticate": 'Bearer realm="oms"'}
    assert Unauthorized("expired", token_given=True).headers() == {
        "WWW-Authenticate": 'Bearer realm="oms", error="invalid_token"'
    }


def test_each_service_declares_the_bearer_scheme(app: Any) -> None:
    schemes = document(app)["components"]["securitySchemes"]

    assert schemes == {"bearer": {**schemes["bearer"], "type": "http", "scheme": "bearer"}}
    assert schemes["bearer"]["bearerFormat"] == "JWT"


def test_each_operation_says_who_may_call_it_as_the_authorization_table_does(app: Any) -> None:
    for path, item in document(app)["paths"].items():
        for method, operation in item.items():
            rule = TABLE[method.upper(), path]
            where = f"{method} {path}"

            if rule.public:
                assert operation["security"] == [], where
                assert not {"401", "403"} & operation["responses"].keys(), where
                assert operation["description"] == "Public: no token needed.", where
            else:
                assert operation["security"] == [{"bearer": []}], where
                assert {"401", "403"} <= operation["responses"].keys(), where
                assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], where
                named = operation["description"].removeprefix("Roles: ")
                assert all(role in named for role in rule.roles), where


SEEN: list[tuple[type[BaseModel], Any]] = [
    (PublicOrder, an_order()),
    (
        PublicOrder,
        an_order(
            amount=Decimal("19.90"),
            status="RESERVED",
            history=(Change(status="RESERVED", at=NOW, cause="INVENTORY.RESERVED"),),
        ),
    ),
    (PublicProduct, a_product()),
    (PublicReservation, a_reservation()),
    (PublicReservation, a_reservation(lines=(), status="RELEASED", reason="released")),
    (PublicPayment, a_payment(amount=Decimal(5))),
    (PublicPayment, a_payment(source="prepayment", status="PENDING", prepaid=Decimal(5))),
]


@pytest.mark.parametrize(("public", "value"), SEEN, ids=[public.__name__ for public, _ in SEEN])
def test_what_a_client_sees_of_a_value_is_what_the_document_says(
    public: type[BaseModel], value: Any
) -> None:
    seen = value.public()

    assert public.model_validate(seen).model_dump(mode="json") == seen


@pytest.mark.parametrize("amount", [0, 0.0, "0", "0.00", 0.01, "0.01"], ids=repr)
def test_the_document_admits_a_prepayment_amount_exactly_when_validation_does(
    amount: object,
) -> None:
    schema = body_schema(payment_app, "post", "/payments")["properties"]["amount"]

    documented = Draft202012Validator(schema).is_valid(amount)
    try:
        NewPayment.model_validate({"order_id": "o-1", "amount": amount})
        validated = True
    except ValidationError:
        validated = False

    assert documented == validated == (Decimal(str(amount)) > 0)


@pytest.mark.parametrize(
    ("app", "path", "model", "fields"),
    [
        (order_app, "/orders", NewOrder, {"customer_id": "c-1"}),
        (inventory_app, "/reservations", NewReservation, {"order_id": "o-1"}),
    ],
    ids=["order", "reservation"],
)
def test_a_body_of_lines_documents_the_one_line_per_product_rule_that_validation_applies(
    app: Any, path: str, model: type[BaseModel], fields: dict[str, str]
) -> None:
    twice = [{"product_id": "p-1", "quantity": 1}, {"product_id": "p-1", "quantity": 2}]

    description = body_schema(app, "post", path)["description"]

    assert "one line per product" in description
    with pytest.raises(ValidationError, match="one line only"):
        model.model_validate({**fields, "items": twice})
