"""The saga page at / and /ui: orders as they move, counts by status, stock and dead letters."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import get_args

from faust.web import Request, Response

from apps.order.app import app, feed, orders
from apps.platform.broker_load import broker_note
from apps.platform.listed_table import Rebalanced
from models.base import Page, Scope
from models.orders import Order, OrderStatus, StatusCounts
from web.kit import sse
from web.kit.auth import credentials
from web.kit.base import ServiceView
from web.kit.errors import NotFound, NotReady
from web.kit.listing import Item, gather_page, other_workers
from web.kit.openapi import Operation
from web.kit.peers import read_peer

#: The page's HTML, scripts and style, served from the repository: no CDN, no internet.
ASSETS = Path(__file__).parent / "ui"
#: The statuses in the order the saga reaches them, as the page and the counts show them.
STATUSES = get_args(OrderStatus)
#: The services whose dead letters the page reads through this one (its own it reads itself).
PEERS = ("inventory", "payment")

app.web.add_static("/ui/assets", ASSETS)


async def end_streams(web_app: object) -> None:
    # aiohttp waits (up to a minute) for every open request before the worker can stop:
    # the live streams end first.
    feed.end_all("shutdown")


app.web.web_app.on_shutdown.append(end_streams)


@functools.cache
def page_html() -> str:
    return (ASSETS / "index.html").read_text()


def render(order: Order) -> str:
    return sse.event("order", order.public())


def counts_by_status(items: list[Item]) -> list[Item]:
    """The counts of every worker, summed by status (how `gather_page` merges them)."""
    summed = dict.fromkeys(STATUSES, 0)
    for item in items:
        summed[item["status"]] += item["count"]
    return [{"status": status, "count": count} for status, count in summed.items()]


@app.page("/ui")
class SagaPage(ServiceView):
    serves_before_ready = True  # the page says itself when the worker is not ready yet

    @Operation(
        "The saga page: orders live, counts, stock, dead letters",
        {200: None},
        media_type="text/html",
    )
    async def get(self, request: Request) -> Response:
        return self.html(page_html())


@app.page("/")
class FrontPage(SagaPage):
    """The order service's front page is the saga page."""


@app.page("/ui/events")
class OrderEvents(ServiceView):
    @Operation(
        "Server-sent events: an `order` event (the order as GET /orders/{id} shows it) each "
        "time an order changes, on any worker; `end` before the stream closes",
        {200: None},
        query=Scope,
        media_type=sse.MEDIA_TYPE,
    )
    async def get(self, request: Request) -> Response:
        local = self.query(request, Scope).scope == "local"
        with feed.subscribe(render) as subscription:
            # This worker's orders from its agent, the others' from their own streams,
            # followed before this one opens: the page reads the orders once it opens.
            others = [] if local else other_workers(app, orders.name)
            followed = await sse.follow(app, others, request.path, credentials(request))
            relays = [asyncio.ensure_future(sse.relay(other, subscription)) for other in followed]
            try:
                return await sse.stream(request, subscription)
            finally:
                for relay in relays:
                    relay.cancel()


@app.page("/ui/counts")
class Counts(ServiceView):
    @Operation(
        "Orders by status over all workers; `total` is every order; `broker_note` when the "
        "embedded broker holds more orders than it serves well",
        {200: StatusCounts},
        query=Scope,
    )
    async def get(self, request: Request) -> Response:
        # No paging to ask for: the six statuses are one page, merged across the workers.
        page = Page(scope=self.query(request, Scope).scope)
        try:
            index = await orders.ready_index()
        except Rebalanced as exc:
            raise NotReady(str(exc)) from None
        counts = index.counts()
        mine = {
            "items": [{"status": status, "count": counts.get(status, 0)} for status in STATUSES],
            "total": len(index),
        }
        merged = await gather_page(app, request, orders.name, mine, page, counts_by_status)
        # On the page's own answer (not another worker's part of it), and only when it says.
        note = broker_note(merged["total"], app.settings.embedded_broker_orders)
        if note and page.scope is None:
            merged["broker_note"] = note
        return self.json(merged)


@app.page("/ui/stock")
class Stock(ServiceView):
    @Operation("The inventory service's products, read for the page", {200: None}, query=Page)
    async def get(self, request: Request) -> Response:
        page = self.query(request, Page)
        query = {"limit": str(page.limit), "offset": str(page.offset)}
        inventory = app.settings.url_of("inventory")
        return await read_peer(app, inventory, "/products", query, credentials(request))


@app.page("/ui/dead-letters/{service}")
class PeerDeadLetters(ServiceView):
    @Operation(
        "The dead letters of inventory or payment, read for the page", {200: None}, query=Page
    )
    async def get(self, request: Request, service: str) -> Response:
        page = self.query(request, Page)
        if service not in PEERS:
            raise NotFound(f"no service {service!r}: one of {', '.join(PEERS)}")
        query = {"limit": str(page.limit), "offset": str(page.offset)}
        url = app.settings.url_of(service)
        return await read_peer(app, url, "/dead-letters", query, credentials(request))
