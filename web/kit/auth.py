"""Authentication and authorization in front of every route a worker serves.

One aiohttp middleware sees each request before its view (Faust's own blueprints too):
it finds the route's rule in the service's authorization table (`web.access`), checks
the bearer token (RFC 6750) unless the route is public, picks the role the caller acts
in, and hands the view a `Grant`: who the caller is and how far it reaches. A route the
table does not name is denied to everyone. Views never decide access; they ask the
grant about the object they hold (`visible`, `own_filter`, ...).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from aiohttp import web

from apps.platform import metrics
from apps.platform.tokens import KeysUnavailable, TokenRefused, TokenVerifier
from models.actors import Actor, Role
from models.base import IDENTIFIER, Model
from web.kit.errors import ApiError, Forbidden, NotFound, NotReady, Unauthorized

logger = logging.getLogger(__name__)
#: One line for each change made through REST: who asked, what, and the answer.
audit = logging.getLogger("oms.audit")

#: RFC 6750, 2.1: `Bearer` and a token of these characters (b64token).
BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)
#: Methods that change nothing (each change made otherwise is audited).
SAFE = frozenset({"GET", "HEAD"})
#: When a token carries several roles that a route allows, the one it acts in.
PRECEDENCE: tuple[Role, ...] = ("operator", "processor", "customer")
#: Who every caller is with OMS_AUTH=off (loopback only).
NO_AUTH = Actor(sub="anonymous", role="operator")


class Reach(Enum):
    """How far a role reaches on a route."""

    #: Any object.
    ALL = "all"
    #: The caller's own only: a customer's `sub` is its customer id, and another
    #: customer's object is not found (404), so its existence does not leak.
    OWN = "own"
    #: The moves a payment provider makes: PENDING to COMPLETED or FAILED, no refund.
    SETTLE = "settle"


@dataclass(frozen=True)
class Rule:
    """Who may call one route with one method: nobody needs a token on a public route."""

    roles: Mapping[Role, Reach] = field(default_factory=dict)
    public: bool = False


#: (method, route as the router names it) -> its rule. HEAD follows GET.
Table = Mapping[tuple[str, str], Rule]
PUBLIC = Rule(public=True)
#: What a route missing from the table gets: nobody may call it.
NOBODY = Rule()

Q = TypeVar("Q", bound=Model)


@dataclass(frozen=True)
class Grant:
    """What a request may do: who asked (None on a public route) and how far it reaches."""

    actor: Actor | None
    reach: Reach = Reach.ALL

    @property
    def asker(self) -> Actor:
        """Who asked, on a route that needs a token (every route that changes anything)."""
        if self.actor is None:
            raise LookupError("a public route has no asker")
        return self.actor

    @property
    def customer(self) -> str | None:
        """The customer the caller is confined to (its own objects), or None for any."""
        if self.reach is Reach.OWN and self.actor is not None:
            return self.actor.sub
        return None

    def visible(self, customer_id: str | None, what: str) -> None:
        """NotFound, as if it did not exist, unless the caller may see an object of
        `customer_id`."""
        if self.customer is not None and customer_id != self.customer:
            raise NotFound(f"no {what}")

    def own_filter(self, query: Q, field_name: str = "customer_id") -> Q:
        """`query` confined to the caller's own objects; Forbidden if it asks for another's."""
        if self.customer is None:
            return query
        asked = getattr(query, field_name)
        if asked not in (None, self.customer):
            raise Forbidden(f"a customer lists its own only, not those of {asked!r}")
        return query.model_copy(update={field_name: self.customer})

    def acts_for(self, customer_id: str) -> None:
        """Forbidden unless the caller may act for `customer_id`."""
        if self.customer is not None and customer_id != self.customer:
            raise Forbidden("a customer acts for itself only: customer_id must be its own")

    def may_set(self, status: str, settled: frozenset[str]) -> None:
        """Forbidden unless the caller may move a payment to `status`: a provider only
        settles a pending one (`settled`)."""
        if self.reach is Reach.SETTLE and status not in settled:
            raise Forbidden(f"a payment processor may not set {status}")


#: Where the middleware leaves a request's grant for its view.
GRANT = web.RequestKey("grant", Grant)


def grant_of(request: Any) -> Grant:
    """The grant the middleware gave `request` (every routed request has one)."""
    return request[GRANT]


def credentials(request: Any) -> dict[str, str]:
    """The headers that carry the caller's credential to another worker."""
    token = request.headers.get("Authorization")
    return {} if token is None else {"Authorization": token}


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_of(request: web.Request) -> str | None:
    """The route the request matched, as the router names it; None if none did."""
    if request.match_info.http_exception is not None:
        return None
    resource = request.match_info.route.resource
    return None if resource is None else resource.canonical


class Gate:
    """The middleware: the table's rule for each request, applied before its view."""

    def __init__(self, table: Table, verifier: TokenVerifier | None) -> None:
        self.table = table
        self.verifier = verifier

    def rule(self, method: str, route: str) -> Rule:
        method = method.upper()
        return self.table.get(("GET" if method == "HEAD" else method, route), NOBODY)

    async def check(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The middleware (see `register`): the request's grant, then its view's answer."""
        route = route_of(request)
        if route is None:  # no such route, or method: answered 404 or 405 as ever
            return await handler(request)
        rule = self.rule(request.method, route)
        if rule.public:
            request[GRANT] = Grant(None)
            return await handler(request)
        started = time.perf_counter()
        try:
            request[GRANT] = grant = await self.grant(request, rule)
        except ApiError as exc:
            metrics.answered(route, request.method, exc.status, time.perf_counter() - started)
            return problem(exc)
        response = await handler(request)
        if request.method not in SAFE and response.status < 400:
            changed(request, route, grant, response.status)
        return response

    async def grant(self, request: web.Request, rule: Rule) -> Grant:
        if self.verifier is None:
            return Grant(NO_AUTH)
        header = request.headers.get("Authorization")
        if header is None:
            raise Unauthorized("this needs a bearer token: Authorization: Bearer <JWT>")
        matched = BEARER.fullmatch(header.strip())
        if matched is None:
            refused(request, "not a bearer token")
            raise Unauthorized("the Authorization header is not `Bearer <token>`", token_given=True)
        try:
            principal = await self.verifier.principal(matched.group(1))
        except TokenRefused as exc:
            refused(request, str(exc))
            raise Unauthorized(f"the token is not accepted: {exc}", token_given=True) from None
        except KeysUnavailable as exc:
            logger.warning("%s %s: %s", request.method, request.path, exc)
            raise NotReady("tokens cannot be checked just now; ask again shortly") from None
        role = next(
            (role for role in PRECEDENCE if role in principal.roles & rule.roles.keys()), None
        )
        if role is None:
            roles = ", ".join(sorted(principal.roles))
            logger.info(
                "refused %s %s to %s (%s): not its role",
                request.method,
                request.path,
                principal.subject,
                roles,
            )
            raise Forbidden(f"{roles} may not {request.method} {request.path}")
        if role == "customer" and not IDENTIFIER.fullmatch(principal.subject):
            # A customer's `sub` is its customer id, which names its orders.
            raise Forbidden(
                f"a customer's token must carry its customer id as sub "
                f"({IDENTIFIER.pattern}), not {principal.subject!r}"
            )
        return Grant(Actor(sub=principal.subject, role=role), rule.roles[role])


def refused(request: web.Request, why: str) -> None:
    # Why, and from where: never the token.
    logger.info(
        "refused a token for %s %s from %s: %s", request.method, request.path, request.remote, why
    )


def changed(request: web.Request, route: str, grant: Grant, status: int) -> None:
    """The one log line of a change made through REST."""
    actor = grant.asker
    audit.info(
        "%s %s %d by %s",
        request.method,
        request.path,
        status,
        actor,
        extra={
            "audit": {
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": status,
                "sub": actor.sub,
                "role": actor.role,
            }
        },
    )


def problem(exc: ApiError) -> web.Response:
    return web.json_response(exc.body(), status=exc.status, headers=exc.headers())


def register(app: Any, table: Table, verifier: TokenVerifier | None) -> Gate:
    """Put the gate in front of every route of `app`, after the error middleware."""
    gate = Gate(table, verifier)

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await gate.check(request, handler)

    app.web.web_app.middlewares.append(check)
    app.access = gate
    if verifier is None:
        logger.warning(
            "OMS_AUTH=off: no token is asked, and every caller is an operator; "
            "this is for trying the system on 127.0.0.1 only"
        )
    return gate
