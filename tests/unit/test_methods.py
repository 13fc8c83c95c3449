"""The methods each route is routed: HEAD only with GET, and a path's own route answers for it."""

from __future__ import annotations

from typing import Any

import pytest

from apps.inventory import app as inventory_app
from apps.order import app as order_app
from apps.payment import app as payment_app
from web.kit.methods import fixed_routes, refused

APPS: dict[str, Any] = {"order": order_app, "inventory": inventory_app, "payment": payment_app}


@pytest.fixture(scope="module", autouse=True)
def views() -> None:
    """Each app's views, found as a worker finds them when it starts (autodiscovery)."""
    for app in APPS.values():
        app.discover()


@pytest.mark.parametrize("service", sorted(APPS))
def test_head_is_routed_only_where_get_is(service: str) -> None:
    routes = [
        {route.method for route in resource}
        for resource in APPS[service].web.web_app.router.resources()
    ]

    assert all(("HEAD" in methods) == ("GET" in methods) for methods in routes), routes


def test_the_route_of_exactly_a_path_allows_its_methods__not_a_route_with_a_parameter() -> None:
    routes = fixed_routes(payment_app.web.web_app.router)

    assert routes["/payments/status"] == {"PUT"}
    assert refused(routes, "GET", "/payments/status") == {"PUT"}
    assert refused(routes, "OPTIONS", "/payments/status") == {"PUT"}
    assert refused(routes, "PUT", "/payments/status") == set()


def test_a_path_only_a_route_with_a_parameter_matches_is_left_to_the_router() -> None:
    routes = fixed_routes(payment_app.web.web_app.router)

    assert refused(routes, "OPTIONS", "/payments/pay-o-1") == set()
