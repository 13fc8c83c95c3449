"""Read-only table inspection on every service, merged across workers.

- `GET /tables`: each table, with its key count over all workers.
- `GET /tables/{name}?limit=&after=&offset=`: its entries `{"key", "value"}`, by key,
  after the key `after` if given (the keys come from each worker's index of its rows:
  only the page's values are read, so a walk by `after` reads each entry once).
- `GET /tables/{name}/{key}`: one entry, read on the worker that owns the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from faust.web import Request, Response

from apps.platform.listed_table import ListedTable, Rebalanced
from models.base import KeyPage, Page
from models.responses import Entries, Entry, TableList
from web.kit.base import ServiceView
from web.kit.errors import NotFound, NotReady
from web.kit.listing import Item, gather_page
from web.kit.openapi import Operation


def by_key(items: Iterable[Item]) -> list[Item]:
    return sorted(items, key=lambda item: str(item["key"]))


def entry(key: Any, value: Any) -> Item:
    dumped = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
    return {"key": key, "value": dumped}


def register(app: Any) -> None:
    def table(name: str) -> ListedTable:
        if name not in app.tables:
            raise NotFound(f"no table {name!r}; see GET /tables")
        return app.tables[name]

    async def page_of(view: ServiceView, request: Request, name: str, page: KeyPage) -> Item:
        chosen = table(name)
        try:
            keys, total = await chosen.first_keys(page.offset + page.limit, after=page.after)
        except Rebalanced as exc:
            raise NotReady(str(exc)) from None
        mine = {"items": [entry(key, chosen[key]) for key in keys], "total": total}
        path = f"/tables/{name}"
        return await gather_page(view.app, request, chosen.name, mine, page, by_key, path)

    @app.page("/tables")
    class Tables(ServiceView):
        @Operation(
            "The tables, with their key counts over all workers", {200: TableList}, query=Page
        )
        async def get(self, request: Request) -> Response:
            # Only the scope to choose, but unknown parameters are refused.
            scope = self.query(request, Page).scope
            listed = []
            for name in sorted(app.tables):
                counted = await page_of(self, request, name, KeyPage(limit=1, scope=scope))
                listed.append(
                    {"name": name, "keys": counted["total"], "help": app.tables[name].help}
                )
            return self.json({"items": listed})

    @app.page("/tables/{name}")
    class TablePage(ServiceView):
        @Operation("A page of a table's entries, by key", {200: Entries}, query=KeyPage)
        async def get(self, request: Request, name: str) -> Response:
            return self.json(await page_of(self, request, name, self.query(request, KeyPage)))

    @app.page("/tables/{name}/{key}")
    class TableEntry(ServiceView):
        @Operation("One entry, read on the worker that owns its key", {200: Entry})
        async def get(self, request: Request, name: str, key: str) -> Response:
            chosen = table(name)

            async def answer() -> Response:
                value = chosen.get(key)
                if value is None:
                    raise NotFound(f"no key {key!r} in table {name!r}")
                return self.json(entry(key, value))

            return await self.routed(request, chosen, key, answer)
