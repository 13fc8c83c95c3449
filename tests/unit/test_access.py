"""The authorization table: exactly the routes the workers serve, and who may call each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from aiohttp.web import Request, StaticResource, StreamResponse, UrlDispatcher
from faust.web.base import DEFAULT_BLUEPRINTS
from mode.utils.imports import symbol_by_name

from apps.inventory import app as inventory_app
from apps.order import app as order_app
from apps.payment import app as payment_app
from web.access import TABLE
from web.kit.auth import NOBODY, Gate, Reach

APPS: dict[str, Any] = {"order": order_app, "inventory": inventory_app, "payment": payment_app}
#: A route as the gate names it: (method, route as the router names it).
Route = tuple[str, str]


@pytest.fixture(scope="module", autouse=True)
def views() -> None:
    """Each app's views, found as a worker finds them when it starts (autodiscovery)."""
    for app in APPS.values():
        app.discover()


async def nothing(request: Request) -> StreamResponse:
    raise AssertionError("never called: the router only names the route")


def canonical(method: str, path: str) -> Route:
    """`path` as the router names it once added (as the gate sees it in a request)."""
    route = UrlDispatcher().add_route(method, path, nothing)
    assert route.resource is not None
    return method, route.resource.canonical


def registered(app: Any) -> set[Route]:
    """What the app's router answers now: its pages and its static files (by prefix)."""
    return {
        (route.method, route.resource.canonical)
        for route in app.web.web_app.router.routes()
        if route.method != "HEAD" and route.resource is not None  # HEAD follows GET
    }


def of_blueprints(app: Any, enabled: Iterable[tuple[str, Any]]) -> set[Route]:
    """What Faust's blueprints `enabled` add once the worker's web server starts
    (`BlueprintManager.apply`): each route of each, under its prefix."""
    found: set[Route] = set()
    for prefix, name in enabled:
        blueprint = symbol_by_name(name)
        for route in blueprint.routes:
            uri = blueprint._url_with_prefix(route.uri, prefix or blueprint.url_prefix)
            path = uri[1:] if uri.startswith("//") else uri
            methods = route.handler(app, app.web).get_methods() - {"HEAD"}
            found |= {canonical(method, path) for method in methods}
        for static in blueprint.static_routes:
            uri = blueprint._url_with_prefix(static.uri, prefix or blueprint.url_prefix)
            found.add(("GET", uri.rstrip("/")))
    return found


def served(app: Any) -> set[Route]:
    """Every route a worker of `app` serves: its own, and Faust's blueprints it applies."""
    return registered(app) | of_blueprints(app, app.web.blueprints._enabled)


def test_the_table_names_every_route_a_worker_serves_and_no_other() -> None:
    every = set().union(*(served(app) for app in APPS.values()))

    assert every - TABLE.keys() == set(), "served but in no rule: denied to everyone"
    assert TABLE.keys() - every == set(), "a rule for a route no worker serves"


@pytest.mark.parametrize("service", sorted(APPS))
def test_each_route_a_service_serves_has_its_rule(service: str) -> None:
    assert served(APPS[service]) - TABLE.keys() == set()


def test_faust_blueprints_would_be_found_under_their_prefix() -> None:
    # Faust's own table pages, were a worker to apply them: the test above would see them.
    found = of_blueprints(order_app, DEFAULT_BLUEPRINTS)

    assert {("GET", "/router/"), ("GET", "/table/{name}/"), ("GET", "/table/{name}/{key}/")} <= (
        found
    )
    assert found.isdisjoint(TABLE), "Faust's own table pages are not served"


def test_static_files_are_served_under_their_prefix() -> None:
    static = {
        route.resource.canonical
        for app in APPS.values()
        for route in app.web.web_app.router.routes()
        if isinstance(route.resource, StaticResource)
    }

    assert static == {"/docs/assets", "/docs/init", "/ui/assets"}
    assert all(TABLE["GET", prefix].public for prefix in static)


def test_a_route_missing_from_the_table_is_denied_to_everyone() -> None:
    gate = Gate(TABLE, None)

    assert gate.rule("GET", "/router/") is NOBODY
    assert gate.rule("PATCH", "/orders/{order_id}") is NOBODY
    assert NOBODY.roles == {} and not NOBODY.public


def test_head_follows_the_rule_of_get() -> None:
    gate = Gate(TABLE, None)

    assert gate.rule("HEAD", "/orders") is TABLE["GET", "/orders"]
    assert gate.rule("head", "/health") is TABLE["GET", "/health"]


def test_every_rule_but_a_public_one_names_a_role() -> None:
    nobody = [route for route, rule in TABLE.items() if not rule.public and not rule.roles]

    assert nobody == []


def test_a_public_route_only_reads_and_names_no_role() -> None:
    public = {route: rule for route, rule in TABLE.items() if rule.public}

    assert {method for method, _ in public} == {"GET"}
    assert all(rule.roles == {} for rule in public.values())


def test_a_customer_reaches_its_own_only_wherever_it_may_go() -> None:
    reaches = {rule.roles["customer"] for rule in TABLE.values() if "customer" in rule.roles}

    assert reaches == {Reach.OWN}


def test_a_processor_only_settles_payments() -> None:
    processor = {
        route: rule.roles["processor"] for route, rule in TABLE.items() if "processor" in rule.roles
    }

    assert processor == {("PUT", "/payments/status"): Reach.SETTLE}


def test_an_operator_reaches_everything_it_may_call() -> None:
    reaches = {rule.roles["operator"] for rule in TABLE.values() if "operator" in rule.roles}
    guarded = {route for route, rule in TABLE.items() if not rule.public}

    assert reaches == {Reach.ALL}
    assert {route for route in guarded if "operator" in TABLE[route].roles} == guarded


def test_own_and_settle_reach_only_the_routes_whose_views_confine_them() -> None:
    confined = {
        route
        for route, rule in TABLE.items()
        if set(rule.roles.values()) & {Reach.OWN, Reach.SETTLE}
    }

    assert confined == {
        ("GET", "/orders"),
        ("POST", "/orders"),
        ("GET", "/orders/{order_id}"),
        ("DELETE", "/orders/{order_id}"),
        ("GET", "/orders/{order_id}/timeline"),
        ("GET", "/payments"),
        ("POST", "/payments"),
        ("GET", "/payments/{payment_id}"),
        ("PUT", "/payments/status"),
    }
