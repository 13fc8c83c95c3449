"""Who may call what: the one authorization table of the three services' REST APIs.

Each route (as the router names it) and method maps to the roles that may call it and
how far each reaches (`Reach`): ALL objects; a customer's OWN only (its token's `sub` is
its customer id; another customer's order answers 404, never 403, so that it does not
learn the order exists); or, for the payment provider's callback, only the moves a
provider makes (SETTLE: a pending payment COMPLETED or FAILED, never a refund).

A route missing here is denied to everyone (default deny), and a test holds this table
to the routes the workers serve, both ways. Public routes need no token: health, the API
documents and Swagger UI, the catalogue reads, Prometheus' scrape (counts only: no id,
no customer data; a scraper then needs no operator token that could refund payments),
and the saga page's files (HTML, scripts, style: no data; the page asks for an operator
token and reads everything with it).
"""

from __future__ import annotations

from web.kit.auth import PUBLIC, Reach, Rule, Table

ALL, OWN, SETTLE = Reach.ALL, Reach.OWN, Reach.SETTLE
OPERATOR = Rule({"operator": ALL})
#: A customer on its own orders and payments, an operator on anyone's.
SELF_SERVICE = Rule({"customer": OWN, "operator": ALL})

TABLE: Table = {
    # Every service: health and documents for anyone; tables and dead letters for operators.
    ("GET", "/health"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/asyncapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/assets"): PUBLIC,
    ("GET", "/docs/init"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/tables"): OPERATOR,
    ("GET", "/tables/{name}"): OPERATOR,
    ("GET", "/tables/{name}/{key}"): OPERATOR,
    ("GET", "/dead-letters"): OPERATOR,
    # Order service.
    ("GET", "/orders"): SELF_SERVICE,
    ("POST", "/orders"): SELF_SERVICE,
    ("GET", "/orders/{order_id}"): SELF_SERVICE,
    ("GET", "/orders/{order_id}/timeline"): SELF_SERVICE,
    ("DELETE", "/orders/{order_id}"): SELF_SERVICE,
    ("GET", "/"): PUBLIC,  # the saga page (it stands in for Faust's own index page)
    ("GET", "/ui"): PUBLIC,
    ("GET", "/ui/assets"): PUBLIC,
    ("GET", "/ui/events"): OPERATOR,
    ("GET", "/ui/counts"): OPERATOR,
    ("GET", "/ui/stock"): OPERATOR,
    ("GET", "/ui/dead-letters/{service}"): OPERATOR,
    # Inventory service: the catalogue is public, changing it is for operators.
    ("GET", "/products"): PUBLIC,
    ("GET", "/products/{product_id}"): PUBLIC,
    ("POST", "/products"): OPERATOR,
    ("PUT", "/products/{product_id}"): OPERATOR,
    ("PUT", "/inventory/add"): OPERATOR,
    ("PUT", "/inventory/remove"): OPERATOR,
    ("GET", "/reservations"): OPERATOR,
    ("POST", "/reservations"): OPERATOR,
    ("GET", "/reservations/{order_id}"): OPERATOR,
    ("DELETE", "/reservations/{order_id}"): OPERATOR,
    # Payment service.
    ("GET", "/payments"): SELF_SERVICE,
    ("POST", "/payments"): SELF_SERVICE,
    ("GET", "/payments/{payment_id}"): SELF_SERVICE,
    ("PUT", "/payments/status"): Rule({"operator": ALL, "processor": SETTLE}),
}
