"""Each service's OpenAPI 3.1 document, built from the views it registers, and Swagger UI."""

from __future__ import annotations

import functools
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from importlib.metadata import version
from typing import Any, TypeVar

from faust.web import Request, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from models.responses import ErrorBody
from web.kit.auth import Rule
from web.kit.base import ServiceView
from web.kit.errors import ApiError, BadRequest, NotFound, NotJson, NotReady, PayloadTooLarge
from web.kit.listing import LOCAL_SCOPE
from web.kit.openapi_access import SECURITY_SCHEMES, access_errors, security

OPENAPI_VERSION = "3.1.0"
SCHEMA_REF = "#/components/schemas/{model}"
DESCRIPTION = (
    "JSON in and out. Lists take `limit` and `offset`. Every error answers "
    '`{"error", "code", "details"}`; a worker answers 503 until it is ready. '
    "A method a path does not list here, OPTIONS too, answers 405 with an `Allow` "
    "naming the methods it lists (and HEAD where it lists GET)."
)

#: What every service serves (see `web.kit.pages`), listed in this order after its own API.
SHARED = ("health", "tables", "dead_letters", "openapi", "swagger", "asyncapi", "metrics")

F = TypeVar("F", bound=Callable[..., Any])
#: The `{"$ref": ...}` of each (model, "validation" or "serialization").
Refs = Mapping[tuple[type[BaseModel], str], Mapping[str, str]]


@dataclass(frozen=True)
class Operation:
    """What the route of a view method does not tell: its summary, inputs and answers.

    Decorate the method with it. Path parameters, and the 400, 404, 413, 415 and 503 answers,
    follow from the route and the view (see `errors_of`); `errors` adds what else it
    raises. A `None` model in `responds` is a body the document leaves undescribed.
    """

    summary: str
    responds: Mapping[int, type[BaseModel] | None]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[type[ApiError], ...] = ()
    headers: tuple[Mapping[str, Any], ...] = ()
    media_type: str = "application/json"

    def __call__(self, method: F) -> F:
        method.__openapi__ = self  # type: ignore[attr-defined]
        return method


def pages(app: Any) -> dict[str, ServiceView]:
    """The service's own views by path (Faust's built-in blueprints are not its API)."""
    return {path: view for path, view in app.web.views.items() if isinstance(view, ServiceView)}


def operations(view: ServiceView) -> dict[str, Operation]:
    """The documented operations of `view` by method; an undocumented one is an error."""
    found = {}
    for method in sorted(view.get_methods() - {"HEAD"}):  # Faust adds HEAD to every view
        operation = getattr(getattr(type(view), method.lower()), "__openapi__", None)
        if operation is None:
            raise LookupError(f"{type(view).__name__}.{method.lower()} has no @Operation")
        found[method.lower()] = operation
    return found


def errors_of(
    path: str, view: ServiceView, operation: Operation, rule: Rule
) -> list[type[ApiError]]:
    """What `operation` may answer as an error: what its route, view and access rule
    imply, and its own."""
    derived = [
        *access_errors(rule),
        *([BadRequest] if operation.query or operation.body else []),
        *([NotFound] if "{" in path else []),
        *([PayloadTooLarge, NotJson] if operation.body else []),
        *([] if view.serves_before_ready else [NotReady]),
    ]
    return sorted({*derived, *operation.errors}, key=lambda error: error.status)


def document(app: Any) -> dict[str, Any]:
    """The OpenAPI document of every page `app` serves, with the models' schemas."""
    views = pages(app)
    routes = {path: operations(view) for path, view in sorted(views.items())}
    refs, components = schemas(op for ops in routes.values() for op in ops.values())
    paths = {
        path: {
            method: operation_object(
                path, method, views[path], op, refs, components, app.access.rule(method, path)
            )
            for method, op in ops.items()
        }
        for path, ops in routes.items()
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": app.conf.id, "version": version("oms"), "description": DESCRIPTION},
        "tags": tags(views.values()),
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": SECURITY_SCHEMES},
    }


def tags(views: Iterable[ServiceView]) -> list[dict[str, str]]:
    """A tag per module that serves views, described by its docstring; the service's first."""
    modules = {type(view).__module__: sys.modules[type(view).__module__] for view in views}
    return [
        {"name": tag_of(name), "description": (inspect.getdoc(module) or "").split("\n")[0]}
        for name, module in sorted(modules.items(), key=lambda item: tag_order(tag_of(item[0])))
    ]


def tag_order(tag: str) -> tuple[int, str]:
    """The service's own tags by name, then the shared ones in their order."""
    return (SHARED.index(tag) + 1 if tag in SHARED else 0, tag)


def tag_of(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def operation_object(
    path: str,
    method: str,
    view: ServiceView,
    op: Operation,
    refs: Refs,
    components: Mapping[str, Any],
    rule: Rule,
) -> dict[str, Any]:
    errors = {str(error.status): error_response(error) for error in errors_of(path, view, op, rule)}
    return {
        "tags": [tag_of(type(view).__module__)],
        "summary": op.summary,
        **security(rule),
        "operationId": f"{method}{type(view).__name__}",
        "parameters": [
            *path_parameters(path),
            *query_parameters(op, refs, components),
            *op.headers,
        ],
        **({"requestBody": request_body(op.body, refs)} if op.body else {}),
        "responses": {**responses(op, refs), **errors},
    }


def schemas(used: Iterable[Operation]) -> tuple[Refs, dict[str, Any]]:
    """A `$ref` per (model, mode), and the component schemas they point to.

    One generation for all models, so that a model read in one mode and written in the
    other (Money: a number or a string in, a string out) gets one name per mode.
    """
    wanted: dict[tuple[type[BaseModel], str], None] = {(ErrorBody, "serialization"): None}
    for op in used:
        for model in (op.query, op.body):
            if model is not None:
                wanted[model, "validation"] = None
        for model in op.responds.values():
            if model is not None:
                wanted[model, "serialization"] = None
    refs, top = models_json_schema(list(wanted), ref_template=SCHEMA_REF)
    return dict(refs), dict(top.get("$defs", {}))


def path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]


def query_parameters(
    op: Operation, refs: Refs, components: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One parameter per field of the query model, but the scope workers ask each other."""
    if op.query is None:
        return []
    schema = components[refs[op.query, "validation"]["$ref"].rsplit("/", 1)[1]]
    required = schema.get("required", ())
    return [
        {"name": name, "in": "query", "required": name in required, "schema": not_null(field)}
        for name, field in schema["properties"].items()
        if name != LOCAL_SCOPE
    ]


def not_null(field: Mapping[str, Any]) -> dict[str, Any]:
    """A field's schema without its `null` branch: a query string cannot say null."""
    kept = dict(field)
    branches = [branch for branch in kept.pop("anyOf", []) if branch != {"type": "null"}]
    if len(branches) == 1:
        kept.update(branches[0])
    elif branches:
        kept["anyOf"] = branches
    if kept.get("default", ...) is None:
        del kept["default"]
    return kept


def request_body(model: type[BaseModel], refs: Refs) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": refs[model, "validation"]}},
    }


def responses(op: Operation, refs: Refs) -> dict[str, Any]:
    answers = {}
    for status, model in op.responds.items():
        content = {"schema": refs[model, "serialization"]} if model is not None else {}
        answer: dict[str, Any] = {
            "description": HTTPStatus(status).phrase,
            "content": {op.media_type: content},
        }
        if status == HTTPStatus.CREATED:  # every 201 names what it created
            answer["headers"] = {
                "Location": {"schema": {"type": "string", "format": "uri-reference"}}
            }
        answers[str(status)] = answer
    return answers


def error_response(error: type[ApiError]) -> dict[str, Any]:
    description = (error.__doc__ or HTTPStatus(error.status).phrase).strip()
    schema = {"$ref": SCHEMA_REF.format(model=ErrorBody.__name__)}
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if error.documented_headers:
        response["headers"] = error.documented_headers
    return response


def register(app: Any) -> None:
    # Built on the first request and kept: not now, as the service registers its own
    # views after these, and they do not change once the worker serves.
    @functools.cache
    def built_document() -> dict[str, Any]:
        return document(app)

    @app.page("/openapi.json")
    class OpenApiDocument(ServiceView):
        serves_before_ready = True  # the API can be read while the worker starts

        @Operation("This service's OpenAPI document", {200: None})
        async def get(self, request: Request) -> Response:
            return self.json(built_document())
