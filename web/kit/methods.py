"""The methods a path answers are its own route's: any other is a 405 whose `Allow` names
that route's methods alone.

aiohttp tries every route that matches a path and, when none serves the method, allows
what any of them serves. So `OPTIONS /payments/status` allowed GET, which only the route
`/payments/{payment_id}` serves, taking "status" for a payment id; and a GET went there,
to answer that there is no payment "status". A route of exactly the path answers for it
here, before the gate asks for a token; a path that only a route with parameters matches
is left to aiohttp, whose `Allow` is then that route's.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fixed_routes(router: web.UrlDispatcher) -> dict[str, frozenset[str]]:
    """The methods of the routes without parameters, by path (all of a path's together:
    Faust's index page and the saga page are both `/` on the order service)."""
    routes: dict[str, frozenset[str]] = {}
    for resource in router.resources():
        if isinstance(resource, web.PlainResource):
            served = frozenset(route.method for route in resource)
            routes[resource.canonical] = routes.get(resource.canonical, frozenset()) | served
    return routes


def refused(routes: Mapping[str, frozenset[str]], method: str, path: str) -> frozenset[str]:
    """What the route of exactly `path` allows, if it does not serve `method` (else nothing)."""
    allowed = routes.get(path, frozenset())
    return frozenset() if method in allowed else allowed


def register(app: Any) -> None:
    """Answer a method that the route of exactly the path does not serve with a 405 (which
    `web.kit.http_errors`, registered before, renders with its `Allow`)."""
    router = app.web.web_app.router

    # Read on the first request: the service adds its own views after this, and the
    # router does not change once the worker serves.
    @functools.cache
    def routes() -> dict[str, frozenset[str]]:
        return fixed_routes(router)

    @web.middleware
    async def own_methods(request: web.Request, handler: Handler) -> web.StreamResponse:
        allowed = refused(routes(), request.method, request.rel_url.path_safe)
        if allowed:
            raise web.HTTPMethodNotAllowed(request.method, allowed)
        return await handler(request)

    app.web.web_app.middlewares.append(own_methods)
