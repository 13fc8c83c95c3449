"""The base of every view: the readiness gate, body and query parsing, error rendering."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from aiohttp import web as aiohttp_web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from faust.exceptions import SameNode
from faust.web import Request, Response, View
from faust.web.exceptions import ServiceUnavailable
from pydantic import BaseModel, ValidationError

from apps.platform import metrics
from apps.platform.listed_table import ListedTable, Rebalanced
from apps.platform.readiness import RECHECK_S, ready_within
from models.base import IDENTIFIER, Page
from web.kit.errors import (
    UNREACHABLE,
    ApiError,
    BadRequest,
    NotFound,
    NotJson,
    NotReady,
    PayloadTooLarge,
)
from web.kit.listing import Item, Order, gather_page, listing, newest_first, other_workers

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def path_id(value: str, what: str) -> str:
    """An id from the URL path; one that could never exist is simply not found (404)."""
    if not IDENTIFIER.fullmatch(value):
        raise NotFound(f"no {what} {value!r}")
    return value


def is_json(media_type: str) -> bool:
    """Whether a body of `media_type` is JSON: application/json, or a type `+json`."""
    return media_type == "application/json" or media_type.endswith("+json")


class ServiceView(View):
    """A view that answers 503 until its worker is ready (waiting out a rebalance) and
    renders every error."""

    #: Views such as /health answer before the worker is ready.
    serves_before_ready: ClassVar[bool] = False

    def get_methods(self) -> set[str]:
        """The methods routed to this view: those it defines, and HEAD where it has GET
        (Faust adds HEAD to every view, and a HEAD without GET could only fail)."""
        methods = set(super().get_methods())
        return methods if "GET" in methods else methods - {"HEAD"}

    async def dispatch(self, request: Any) -> Any:
        started = time.perf_counter()
        response = await self._answer(request)
        route = request.match_info.route.resource
        path = route.canonical if route is not None else request.path
        metrics.answered(path, request.method, response.status, time.perf_counter() - started)
        return response

    async def _answer(self, request: Any) -> Any:
        try:
            if not self.serves_before_ready:
                await self.until_ready()
            return await super().dispatch(request)
        except ApiError as exc:
            return self.problem(exc)
        except aiohttp_web.HTTPRequestEntityTooLarge as exc:
            return self.problem(PayloadTooLarge(exc.text or "request body too large"))
        except Exception:
            logger.exception("%s %s failed", request.method, request.path)
            return self.problem(ApiError("internal error"))

    async def until_ready(self) -> None:
        """Wait out a rebalance, up to OMS_REQUEST_TIMEOUT; 503 if the worker does not serve."""
        reason = await ready_within(self.app, self.app.settings.request_timeout)
        if reason is not None:
            raise NotReady(f"not ready: {reason}")

    def problem(self, exc: ApiError) -> Response:
        return self.json(exc.body(), status=exc.status, headers=exc.headers())

    async def body(self, request: Request, model: type[M]) -> M:
        """The JSON body validated as `model`; 400 naming each bad field, 413 if too big,
        415 if it is said to be something else than JSON."""
        said = request.headers.get("Content-Type")
        if said is not None and not is_json(request.content_type):
            raise NotJson(f"the body must be JSON (Content-Type: application/json), not {said}")
        try:
            raw = await request.read()  # aiohttp raises 413 past client_max_size
        except (HttpProcessingError, RequestPayloadError) as exc:  # say, gzip that is not
            raise BadRequest(f"body cannot be read: {str(exc).strip()}") from None
        try:
            data = json.loads(raw) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"body is not valid JSON: {exc}") from None
        except RecursionError:
            raise BadRequest("body is nested too deeply") from None
        if not isinstance(data, dict):
            raise BadRequest("body must be a JSON object")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BadRequest.from_validation(exc, "body") from None

    def query(self, request: Request, model: type[M]) -> M:
        """The query string validated as `model` (repeated names are refused)."""
        query = request.query
        repeated = sorted({name for name in query if len(query.getall(name)) > 1})
        if repeated:
            raise BadRequest(f"query parameter given twice: {', '.join(repeated)}")
        try:
            return model.model_validate(dict(query))
        except ValidationError as exc:
            raise BadRequest.from_validation(exc, "query") from None

    async def routed(
        self, request: Request, table: Any, key: str, answer: Callable[[], Awaitable[Response]]
    ) -> Response:
        """`answer()` here if this worker owns `key` in `table`, else the owner's answer.

        An owner that cannot answer (it is stopping, gone, or rebalancing) is asked again
        once this worker serves again, up to OMS_REQUEST_TIMEOUT: when a worker leaves,
        its partitions move, and the request follows them.
        """
        deadline = time.monotonic() + self.app.settings.request_timeout
        while True:
            try:
                response = await self._route(request, table, key)
            except SameNode:
                return await answer()
            except (ServiceUnavailable, *UNREACHABLE) as exc:
                failure = repr(exc)
            else:
                if response.status != NotReady.status:
                    return response
                failure = response.text or "503"
            if time.monotonic() >= deadline:
                raise NotReady(f"the worker owning {key!r} cannot answer: {failure}")
            await asyncio.sleep(RECHECK_S)
            await self.until_ready()

    async def _route(self, request: Request, table: Any, key: str) -> Response:
        """The owner's answer; SameNode if this worker owns `key` in `table`."""
        try:
            return await self.app.router.route_req(table.name, key, self.web, request)
        except TypeError:
            # aiokafka's producer can drop the changelog's partitions from its
            # metadata; the router then fails to hash the key. Reload, try once more.
            await self.app.producer.load_metadata([table.changelog_topic.get_topic_name()])
            return await self.app.router.route_req(table.name, key, self.web, request)

    async def listed(
        self,
        request: Request,
        table: ListedTable,
        query: Page,
        render: Callable[[Any], Item],
        order: Order = newest_first,
    ) -> Response:
        """The page of `table`'s values that `query` keeps, rendered, across all workers.

        Each worker reads only the rows of its page (see `ListedTable`); a worker alone
        with the table skips the rows before `offset` too.
        """
        alone = query.scope is None and not other_workers(self.app, table.name)
        try:
            values, total = await table.page(query, skip=query.offset if alone else 0)
        except Rebalanced as exc:
            raise NotReady(str(exc)) from None
        items = [render(value) for value in values]
        if alone:
            return self.json(listing(items, total, query))
        mine = {"items": items, "total": total}
        return self.json(await gather_page(self.app, request, table.name, mine, query, order))
