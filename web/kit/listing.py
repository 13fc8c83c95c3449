"""Lists across every worker of a service: each worker pages its own partitions, merged here.

A list request fans out to the workers that hold the table's partitions. Each answers
with its first `offset + limit` matching items and its count (`scope=local`), and the
asker merges them in the list's order (newest first unless told otherwise). With one
worker this is a local read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from faust.web import Request
from yarl import URL

from models.base import Page
from web.kit.auth import credentials
from web.kit.errors import UNREACHABLE, NotReady

Item = dict[str, Any]
Order = Callable[[Iterable[Item]], list[Item]]

#: The query parameter by which one worker asks another for its own items only.
LOCAL_SCOPE = "scope"


def newest_first(items: Iterable[Item]) -> list[Item]:
    return sorted(
        items,
        key=lambda item: (datetime.fromisoformat(item["created_at"]), item["id"]),
        reverse=True,
    )


async def gather_page(
    app: Any,
    request: Request,
    table_name: str,
    mine: Item,
    page: Page,
    order: Order = newest_first,
    path: str | None = None,
) -> Item:
    """Merge this worker's page `mine` with those of the other workers holding the table.

    The others are asked for `path` (this request's own by default) with the same query;
    a worker so asked (`page.scope` is local) answers with its own page only.
    """
    if page.scope == "local":
        return mine
    fetches = (
        _fetch(app, request, url, page, path or request.path)
        for url in other_workers(app, table_name)
    )
    pages = [mine, *await asyncio.gather(*fetches)]
    items = order([item for part in pages for item in part["items"]])
    total = sum(part["total"] for part in pages)
    return listing(items[page.offset : page.offset + page.limit], total, page)


def listing(items: list[Item], total: int, page: Page) -> Item:
    """What a list answers: one page of items, the total, and the paging asked for."""
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


def other_workers(app: Any, table_name: str) -> list[str]:
    """The URLs of the other workers that hold partitions of `table_name`."""
    own = _ident(URL(str(app.conf.canonical_url)))
    return [url for url in app.router.table_metadata(table_name) if _ident(URL(url)) != own]


async def _fetch(app: Any, request: Request, url: str, page: Page, path: str) -> Item:
    # The same offset and limit: a worker asked for its own items answers its first
    # `offset + limit` of them (see `ServiceView.listed`).
    query = {**request.query, LOCAL_SCOPE: "local"}
    target = URL(url).with_path(path).with_query(query)
    try:
        # The other worker checks the caller's token as this one did.
        async with app.http_client.get(target, headers=credentials(request)) as response:
            if response.status == 200:
                return dict(await response.json())
            reason = f"answered {response.status}"
    except UNREACHABLE as exc:
        reason = str(exc)
    raise NotReady(f"worker {url} could not list its items: {reason}")


def _ident(url: URL) -> tuple[str, int | None]:
    return url.host or "", url.port
